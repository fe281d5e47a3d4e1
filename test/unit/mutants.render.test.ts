// Behaviours of src/render that mutation testing (npm run mutate, docs/mutation.md) found unasserted:
// every sentence and label the result view shows, the duration edges, the page's CSP and escaping,
// and the rules that keep untrusted text plain.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobRecord } from '../../src/jobs/job';
import { fill, formatDuration } from '../../src/render/duration';
import { canEditWith, jobView, pollTroubleText, stateLabel, waitingText, windowLabel } from '../../src/render/jobView';
import { codeForEditor, renderMarkdown } from '../../src/render/markdown';
import { HostMessageSchema, JobViewSchema, PanelStateSchema, WebviewMessageSchema } from '../../src/render/messages';
import { resultPageHtml } from '../../src/render/resultPage';
import { DEFAULT_MAX_LENGTH, markdownText, neutralize, quoted } from '../../src/render/untrusted';
import { durationWords } from '../../src/render/usage';
import type { SailResponse } from '../../src/sail/schemas';

const job: JobRecord = {
  id: 'job-1',
  idempotencyKey: 'key-1',
  state: 'queued',
  title: 'Explain · add.ts',
  instruction: 'Explain',
  model: 'moonshotai/Kimi-K2.5',
  window: 'standard',
  background: true,
  createdAt: 1_000,
  seen: false,
  sendAttempts: 0,
  attempt: 1,
  updatedAt: 0,
};

function response(text: string, reasoning = ''): SailResponse {
  return {
    id: 'resp_1',
    status: 'completed',
    rawStatus: 'completed',
    model: 'served-model-alias',
    output: [
      ...(reasoning ? [{ type: 'reasoning' as const, summary: [{ type: 'summary_text', text: reasoning }], content: [] }] : []),
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] },
    ],
    usage: { input_tokens: 1, output_tokens: 2, total_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    error: null,
    incomplete_details: null,
    metadata: {},
  };
}

const words = { milliseconds: '{0} ms', seconds: '{0} s', minutes: '{0} min {1} s', hours: '{0} h {1} min' };

describe('formatDuration: the edges', () => {
  it('switches units exactly at a second, a minute and an hour', () => {
    const cases: [number, string][] = [
      [0, '0 ms'],
      [999.4, '999 ms'],
      [1_000, '1 s'],
      [1_499, '1 s'],
      [59_499, '59 s'],
      [59_500, '1 min 00 s'],
      [60_000, '1 min 00 s'],
      [61_000, '1 min 01 s'],
      [3_599_000, '59 min 59 s'],
      [3_600_000, '1 h 00 min'],
      [3_660_000, '1 h 01 min'],
      [36_000_000, '10 h 00 min'],
    ];
    for (const [ms, text] of cases) {
      assert.equal(formatDuration(ms, words), text, String(ms));
    }
    for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, -0.5]) {
      assert.equal(formatDuration(ms, words), '—', String(ms));
    }
  });

  it('fill puts values by index and leaves a placeholder without a value as it is', () => {
    assert.equal(fill('{1} before {0}, {2}', 'a', 'b'), 'b before a, {2}');
    assert.equal(fill('{0}{0}', 0), '00');
    assert.equal(fill('{x} {}', 1), '{x} {}');
    assert.equal(fill('{10}', ...Array.from({ length: 11 }, (_, i) => i)), '10');
  });

  it('the host words are the English defaults', () => {
    assert.deepEqual(durationWords(), words);
  });
});

describe('jobView: every sentence the result view shows', () => {
  it('names each completion window, and passes an unknown one through', () => {
    assert.deepEqual([undefined, 'asap', 'priority', 'standard', 'flex', 'overnight'].map(windowLabel), [
      'chosen by Sail',
      'asap (seconds)',
      'priority (about a minute)',
      'balanced (about 5 minutes)',
      'flex (hours)',
      'overnight',
    ]);
  });

  it('says why a job waits, and what to do, for a job Sail has and one still to send', () => {
    const cases: [Parameters<typeof waitingText>[0], string, string][] = [
      [
        'invalidBaseUrl',
        'The setting sail.baseUrl is invalid. Fix it in your user settings to fetch its answer.',
        'The setting sail.baseUrl is invalid. Fix it in your user settings to send it.',
      ],
      [
        'otherBaseUrl',
        'It was sent to https://a.example/v1, but sail.baseUrl is now another address. Set the base URL back to fetch its answer.',
        'It was sent to https://a.example/v1, but sail.baseUrl is now another address. Set the base URL back to send it.',
      ],
      ['noKey', 'No Sail API key is set. Run Sail: Set API Key to fetch its answer.', 'No Sail API key is set. Run Sail: Set API Key to send it.'],
      [
        'otherKey',
        "Sail does not show it to the current API key: it was sent with another account's key. Set that key again (Sail: Set API Key) to fetch its answer.",
        'It was sent with a different API key. Set that key again (Sail: Set API Key) to send it, or use Send Again to send it with the current key — if the first attempt reached Sail, that runs, and bills, it a second time.',
      ],
    ];
    for (const [reason, accepted, unsent] of cases) {
      assert.equal(waitingText(reason, true, 'https://a.example/v1'), accepted, reason);
      assert.equal(waitingText(reason, false, 'https://a.example/v1'), unsent, reason);
    }
    assert.match(waitingText('otherBaseUrl', true), /^It was sent to \?, /);
    assert.match(waitingText('otherBaseUrl', false), /^It was sent to \?, /);
  });

  it('says why a job cannot be checked, by the kind of the last failure', () => {
    const network =
      'Sail cannot be reached to check this job. Check your network, proxy and certificate settings; it is checked again when VS Code regains focus.';
    assert.deepEqual(['auth', 'forbidden', 'network', 'timeout', 'unexpected_response', 'server'].map(pollTroubleText), [
      'Sail rejects the API key when asked about this job. Set a valid key (Sail: Set API Key); the job is checked again at once.',
      'Asking Sail about this job is refused (HTTP 403): a proxy, firewall or gateway may be blocking it. Check sail.baseUrl and your proxy settings.',
      network,
      network,
      "Sail's answers about this job cannot be read. If it keeps happening, run 'Sail: Show Log' and report the log.",
      'Checking this job keeps failing. It is tried again; see Sail: Show Log for details.',
    ]);
  });

  it('labels each state, the tone it is shown in, and what can be done', () => {
    const cases: [Partial<JobRecord>, string, string, { canStop: boolean; canRetry: boolean }][] = [
      [{ state: 'submitting' }, 'Sending to Sail', 'running', { canStop: true, canRetry: false }],
      [{ state: 'submitting', sendAttempts: 1 }, 'Sending to Sail (retrying)', 'running', { canStop: true, canRetry: false }],
      [{ state: 'queued' }, 'Queued', 'running', { canStop: true, canRetry: false }],
      [{ state: 'in_progress' }, 'Running', 'running', { canStop: true, canRetry: false }],
      [{ state: 'completed' }, 'Completed', 'done', { canStop: false, canRetry: false }],
      [{ state: 'incomplete' }, 'Incomplete', 'warning', { canStop: false, canRetry: false }],
      [{ state: 'failed' }, 'Failed', 'error', { canStop: false, canRetry: true }],
      [{ state: 'failed', responseId: 'resp_1' }, 'Failed', 'error', { canStop: false, canRetry: false }],
      [{ state: 'cancelled' }, 'Cancelled', 'warning', { canStop: false, canRetry: false }],
      [{ state: 'expired' }, 'Expired', 'warning', { canStop: false, canRetry: false }],
      [{ state: 'untracked' }, 'No longer tracked', 'warning', { canStop: false, canRetry: false }],
      [{ state: 'queued', pollTrouble: { kind: 'network', count: 3, since: 0 } }, 'Cannot be checked', 'warning', { canStop: true, canRetry: false }],
      [{ state: 'queued', pollTrouble: { kind: 'network', count: 2, since: 0 } }, 'Queued', 'running', { canStop: true, canRetry: false }],
      [{ state: 'completed', pollTrouble: { kind: 'network', count: 9, since: 0 } }, 'Completed', 'done', { canStop: false, canRetry: false }],
      [{ state: 'submitting', waiting: 'noKey' }, 'Waiting for its base URL or API key', 'warning', { canStop: true, canRetry: true }],
      [{ state: 'failed', waiting: 'noKey' }, 'Failed', 'error', { canStop: false, canRetry: true }],
      [{ state: 'in_progress', waiting: 'otherKey' }, 'Waiting for its base URL or API key', 'warning', { canStop: true, canRetry: false }],
    ];
    for (const [patch, label, tone, can] of cases) {
      const record = { ...job, ...patch } as JobRecord;
      const view = jobView({ job: record });
      const name = JSON.stringify(patch);
      assert.equal(stateLabel(record), label, name);
      assert.equal(view.stateLabel, label, name);
      assert.equal(view.tone, tone, name);
      assert.equal(view.canStop, can.canStop, name);
      assert.equal(view.canRetry, can.canRetry, name);
    }
  });

  it('shows the notice that fits the state', () => {
    const notice = (patch: Partial<JobRecord>) => jobView({ job: { ...job, ...patch } as JobRecord }).notice;
    assert.equal(notice({ state: 'queued' }), undefined);
    assert.equal(notice({ state: 'completed' }), undefined);
    assert.equal(notice({ state: 'submitting' }), undefined);
    assert.equal(
      notice({ state: 'submitting', error: { kind: 'network' } }),
      'The last attempt failed: Could not reach Sail. Check your network connection and proxy settings, then try again. It will be sent again with the same idempotency key, so it runs only once.',
    );
    assert.equal(
      notice({ state: 'incomplete', incompleteReason: 'max_output_tokens' }),
      'The answer was cut off at the output token limit (sail.maxOutputTokens).',
    );
    assert.equal(notice({ state: 'incomplete', incompleteReason: 'content_filter' }), 'The answer is incomplete (content_filter).');
    assert.equal(notice({ state: 'incomplete' }), 'The answer is incomplete.');
    assert.equal(notice({ state: 'failed' }), 'Sail reported that the job failed.');
    assert.equal(notice({ state: 'failed', error: { kind: 'failed', detail: 'The model crashed.' } }), 'The model crashed.');
    assert.equal(notice({ state: 'expired' }), 'Sail no longer has this job: it keeps results for at most 48 hours.');
    assert.equal(notice({ state: 'untracked' }), 'Sail has no cancel endpoint: the job may still run, and be billed, on Sail. Its result will not be fetched.');
    assert.equal(notice({ state: 'cancelled' }), 'Sail cancelled this job.');
    assert.equal(
      notice({ state: 'queued', responseId: 'resp_1', waiting: 'noKey' }),
      'No Sail API key is set. Run Sail: Set API Key to fetch its answer.',
      'accepted: its answer is fetched',
    );
    assert.equal(
      notice({ state: 'submitting', waiting: 'otherBaseUrl', baseUrl: 'https://b.example/v1' }),
      waitingText('otherBaseUrl', false, 'https://b.example/v1'),
    );
    assert.equal(notice({ state: 'failed', waiting: 'noKey' }), 'Sail reported that the job failed.', 'a finished job no longer waits');
    assert.equal(notice({ state: 'queued', pollTrouble: { kind: 'auth', count: 3, since: 0 } }), pollTroubleText('auth'));
    assert.equal(notice({ state: 'queued', pollTrouble: { kind: 'auth', count: 2, since: 0 } }), undefined);
  });

  it('lists the facts: model (as served), window, times, duration and response id', () => {
    const finished = { ...job, state: 'completed', finishedAt: 3_600_000 + 1_000, responseId: 'resp_1' } as JobRecord;
    const view = jobView({ job: finished, response: response('hi') });
    assert.deepEqual(
      view.facts.map((f) => f.label),
      ['Model', 'Completion window', 'Created', 'Finished', 'Duration', 'Response id'],
    );
    const value = (label: string) => view.facts.find((f) => f.label === label)?.value;
    assert.equal(value('Model'), 'served-model-alias');
    assert.equal(value('Created'), new Date(1_000).toLocaleString());
    assert.equal(value('Finished'), new Date(3_601_000).toLocaleString());
    assert.equal(value('Duration'), '1 h 00 min');
    assert.equal(value('Response id'), 'resp_1');
    const running = jobView({ job });
    assert.deepEqual(
      running.facts.map((f) => [f.label, f.value]),
      [
        ['Model', 'moonshotai/Kimi-K2.5'],
        ['Completion window', 'balanced (about 5 minutes)'],
        ['Created', new Date(1_000).toLocaleString()],
      ],
    );
    assert.equal(running.usage, undefined);
    assert.deepEqual([running.outputHtml, running.reasoningHtml], [undefined, undefined], 'nothing to show before the answer');
    assert.deepEqual(
      [running.jobId, running.title, running.instruction, running.createdAt, running.finishedAt],
      ['job-1', 'Explain · add.ts', 'Explain', 1_000, undefined],
    );
  });

  it('names the source by file and lines', () => {
    const source = (range: { start: { line: number; character: number }; end: { line: number; character: number } } | undefined) =>
      jobView({ job: { ...job, source: { uri: 'file:///w/a.ts', fileName: 'a.ts', languageId: 'typescript', version: 1, range } } }).source;
    assert.equal(source({ start: { line: 4, character: 2 }, end: { line: 4, character: 9 } }), 'a.ts:5');
    assert.equal(source({ start: { line: 4, character: 0 }, end: { line: 6, character: 3 } }), 'a.ts:5–7');
    assert.equal(source(undefined), 'a.ts');
    assert.equal(jobView({ job }).source, undefined);
  });

  it('renders the answer and the reasoning, and offers edits only for a completed answer with text', () => {
    const done = { ...job, state: 'completed' } as JobRecord;
    const withSource = {
      ...done,
      source: {
        uri: 'file:///w/a.ts',
        fileName: 'a.ts',
        languageId: 'ts',
        version: 1,
        range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } },
      },
    };
    const view = jobView({ job: withSource, response: response('**bold**', 'I *thought*') });
    assert.match(view.outputHtml ?? '', /<strong>bold<\/strong>/);
    assert.match(view.reasoningHtml ?? '', /<em>thought<\/em>/);
    assert.deepEqual([view.canInsert, view.canReplace], [true, true]);
    const blank = jobView({ job: withSource, response: response('  \n ', '  ') });
    assert.deepEqual([blank.outputHtml, blank.reasoningHtml, blank.canInsert, blank.canReplace], [undefined, undefined, false, false]);
    const incomplete = jobView({ job: { ...withSource, state: 'incomplete' }, response: response('cut') });
    assert.deepEqual([incomplete.canInsert, incomplete.canReplace], [false, false]);
    assert.ok(incomplete.outputHtml, 'a cut-off answer is still shown');
    assert.equal(canEditWith(done, undefined), false);
    assert.equal(canEditWith(done, response('x')), true);
    assert.equal(canEditWith({ state: 'failed' }, response('x')), false);
  });

  it("gives the view its own words, and what it shows passes the view's own schema", () => {
    const view = jobView({ job: { ...job, state: 'completed', finishedAt: 2_000 }, response: response('x', 'y'), nextCheckAt: 9 });
    assert.deepEqual(view.labels, {
      copy: 'Copy',
      insert: 'Insert at Cursor',
      replace: 'Replace Selection',
      review: 'Review and Apply…',
      openUntitled: 'Open as Document',
      openJson: 'Open as JSON',
      structured: 'Structured answer',
      checkNow: 'Check Now',
      stopTracking: 'Stop Tracking',
      sendAgain: 'Send Again',
      reasoning: 'Reasoning',
      usage: 'Token usage',
      cost: 'Cost',
      details: 'Details',
      elapsed: 'elapsed {0}',
      nextCheck: 'next check in {0}',
      checkingNow: 'checking now',
      ...words,
    });
    assert.deepEqual(
      view.usage?.map((r) => r.label),
      ['Input tokens', 'Cached input tokens', 'Output tokens', 'Reasoning tokens', 'Total tokens'],
    );
    assert.equal(JobViewSchema.safeParse(view).success, true);
  });
});

describe('the result view messages: what each side accepts', () => {
  const view = jobView({ job });

  it('the host sends an update or a missing notice; anything else is refused', () => {
    assert.equal(HostMessageSchema.safeParse({ type: 'update', view }).success, true);
    assert.equal(HostMessageSchema.safeParse({ type: 'missing', jobId: 'j', message: 'gone' }).success, true);
    assert.equal(HostMessageSchema.safeParse({ type: 'missing', jobId: 'j' }).success, false);
    assert.equal(HostMessageSchema.safeParse({ type: 'update', view: { ...view, tone: 'panic' } }).success, false);
    assert.equal(HostMessageSchema.safeParse({ type: 'delete', jobId: 'j' }).success, false);
    for (const field of [
      'jobId',
      'title',
      'stateLabel',
      'instruction',
      'createdAt',
      'facts',
      'canReplace',
      'canReview',
      'canInsert',
      'canStop',
      'canRetry',
      'labels',
    ] as const) {
      const broken: Record<string, unknown> = { ...view };
      delete broken[field];
      assert.equal(JobViewSchema.safeParse(broken).success, false, `without ${field}`);
    }
    for (const label of Object.keys(view.labels)) {
      const labels: Record<string, unknown> = { ...view.labels };
      delete labels[label];
      assert.equal(JobViewSchema.safeParse({ ...view, labels }).success, false, `without labels.${label}`);
    }
    for (const [field, bad] of [
      ['source', 1],
      ['finishedAt', 'x'],
      ['nextCheckAt', 'x'],
      ['usage', [{ label: 'a' }]],
      ['facts', [{ value: 'v' }]],
      ['outputHtml', 1],
      ['reasoningHtml', 1],
      ['notice', 1],
    ] as const) {
      assert.equal(JobViewSchema.safeParse({ ...view, [field]: bad }).success, false, `${field} = ${JSON.stringify(bad)}`);
    }
    for (const tone of ['running', 'done', 'warning', 'error']) {
      assert.equal(JobViewSchema.safeParse({ ...view, tone }).success, true, tone);
    }
  });

  it('the webview sends one of its nine requests; anything else is refused', () => {
    for (const type of ['ready', 'copy', 'insert', 'replace', 'openUntitled', 'openJson', 'refresh', 'stopTracking', 'retry']) {
      assert.equal(WebviewMessageSchema.safeParse({ type }).success, true, type);
    }
    assert.equal(WebviewMessageSchema.safeParse({ type: 'runCommand' }).success, false);
    assert.equal(PanelStateSchema.safeParse({ jobId: 'j' }).success, true);
    assert.equal(PanelStateSchema.safeParse({}).success, false);
  });
});

describe('resultPageHtml', () => {
  it('allows only its own styles, fonts, images and the nonce script, and escapes every value', () => {
    const html = resultPageHtml({
      cspSource: 'vscode-resource:',
      nonce: 'n0nce',
      scriptUri: 'https://x/script.js?a=1&b="2"',
      styleUri: 'https://x/style.css',
      codiconsUri: 'https://x/codicon.css',
      title: '<Fix> & "explain"',
    });
    assert.match(
      html,
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src vscode-resource:; font-src vscode-resource:; img-src vscode-resource:; script-src 'nonce-n0nce'">/,
    );
    assert.ok(html.includes('<script nonce="n0nce" src="https://x/script.js?a=1&amp;b=&quot;2&quot;"></script>'));
    assert.ok(html.includes('<link href="https://x/codicon.css" rel="stylesheet">'));
    assert.ok(html.includes('<link href="https://x/style.css" rel="stylesheet">'));
    assert.ok(html.includes('<title>&lt;Fix&gt; &amp; "explain"</title>'));
    assert.ok(html.includes('<main id="root" aria-live="polite"><p class="loading">Loading…</p></main>'));
  });
});

describe('untrusted text: edges', () => {
  it('drops C1 controls and DEL as line breaks, and invisible characters entirely', () => {
    assert.equal(neutralize('a\u0085b\u009fc\u007fd\u0000e'), 'a b c d e');
    for (const invisible of ['\u061c', '\u200b', '\u200f', '\u202a', '\u202e', '\u2060', '\u2064', '\u2066', '\u2069', '\ufeff']) {
      assert.equal(neutralize(`a${invisible}b`), 'ab', JSON.stringify(invisible));
    }
    assert.equal(neutralize('a\u2065b'), 'a\u2065b', 'an unassigned code point between the ranges stays');
    assert.equal(neutralize('  a   b  '), 'a b');
    assert.equal(neutralize(42), '42');
    assert.equal(neutralize(null), 'null');
  });

  it('breaks link seams with spaces and tabs inside them, and every icon start', () => {
    assert.equal(neutralize('[x]  (command:a) [y]\t(b)'), '[x] (command:a) [y] (b)');
    assert.equal(neutralize('$(a)$(b)'), '$ (a)$ (b)');
  });

  it('bounds length at 200 by default, keeping at least one character', () => {
    assert.equal(DEFAULT_MAX_LENGTH, 200);
    assert.equal(neutralize('x'.repeat(200)), 'x'.repeat(200));
    assert.equal(neutralize('x'.repeat(201)), `${'x'.repeat(199)}…`);
    assert.equal(neutralize('abc', 1), 'a…');
    assert.equal(neutralize('abc', 0), 'a…');
    // Code points, not UTF-16 units, are counted.
    assert.equal(neutralize('😀😀😀', 3), '😀😀😀');
    assert.equal(neutralize('😀😀😀😀', 3), '😀😀…');
  });

  it('markdownText escapes every Markdown and HTML character, and bounds the length', () => {
    assert.equal(markdownText('\\`*_{}[]x()#+-.!|<>~$&:'), '\\\\\\`\\*\\_\\{\\}\\[\\]x\\(\\)\\#\\+\\-\\.\\!\\|\\<\\>\\~\\$\\&\\:');
    assert.equal(markdownText('abcdef', 3), 'ab…');
    assert.equal(markdownText('plain words'), 'plain words');
  });

  it('quoted shows strings as JSON, other values as JSON or text, at most 40 characters', () => {
    assert.equal(quoted('hi'), '"hi"');
    assert.equal(quoted(3), '3');
    assert.equal(quoted({ a: 1 }), '{"a":1}');
    assert.equal(quoted(undefined), 'undefined');
    assert.equal(quoted('x'.repeat(50)), `"${'x'.repeat(38)}…`);
    assert.equal(quoted('x'.repeat(50), 10), `"${'x'.repeat(8)}…`);
    assert.equal(quoted(10n), '10');
    assert.equal(quoted(Symbol('s')), 'Symbol(s)');
    assert.equal(
      quoted(() => 1),
      '() => 1',
    );
  });
});

describe('markdown: links, tables, code for the editor', () => {
  it('opens links without opener or referrer, and only http(s) and mailto', () => {
    assert.match(renderMarkdown('[a](https://a.example/x)'), /<a href="https:\/\/a\.example\/x" rel="noopener noreferrer">a<\/a>/);
    assert.match(renderMarkdown('[h](http://a.example/x)'), /<a href="http:\/\/a\.example\/x" rel="noopener noreferrer">h<\/a>/);
    assert.match(renderMarkdown('[m](MAILTO:me@a.example)'), /<a href="MAILTO:me@a\.example" rel="noopener noreferrer">m<\/a>/);
    assert.match(renderMarkdown('[f](file:///etc/passwd)'), /^<p>\[f\]\(file:\/\/\/etc\/passwd\)<\/p>/);
    assert.match(renderMarkdown('[r](relative/path)'), /^<p>\[r\]\(relative\/path\)<\/p>/);
    assert.match(renderMarkdown('see https://a.example/y now'), /<a href="https:\/\/a\.example\/y" rel="noopener noreferrer">/);
    assert.match(renderMarkdown('[s]( https://a.example/z)'), /<a href="https:\/\/a\.example\/z"/);
  });

  it('aligns each table cell by class and keeps unaligned cells bare', () => {
    const html = renderMarkdown('| l | c | r | n |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |');
    assert.ok(html.includes('<th class="align-left">l</th>'));
    assert.ok(html.includes('<th class="align-center">c</th>'));
    assert.ok(html.includes('<th class="align-right">r</th>'));
    assert.ok(html.includes('<th>n</th>'));
    assert.ok(html.includes('<td class="align-right">3</td>'));
    assert.ok(html.includes('<td>4</td>'));
    assert.doesNotMatch(html, /style=/);
  });

  it('highlights the registered languages by name', () => {
    for (const lang of [
      'bash',
      'c',
      'cpp',
      'csharp',
      'css',
      'diff',
      'go',
      'java',
      'javascript',
      'json',
      'kotlin',
      'markdown',
      'php',
      'python',
      'ruby',
      'rust',
      'shell',
      'sql',
      'swift',
      'typescript',
      'xml',
      'yaml',
    ]) {
      assert.match(renderMarkdown(`\`\`\`${lang}\nx\n\`\`\``), new RegExp(`<code class="language-${lang}">`), lang);
    }
    assert.match(renderMarkdown('```python\ndef f(): return 1\n```'), /<span class="hljs-keyword">def<\/span>/);
    assert.doesNotMatch(renderMarkdown('```\ndef f(): return 1\n```'), /hljs/);
    // Code with a character the grammar calls illegal is still highlighted, not dropped to plain text.
    assert.match(renderMarkdown('```python\nx = 1 $ @@ ?\n```'), /<span class="hljs-number">1<\/span>/);
  });

  it('shows text as the model wrote it: no typographic replacements', () => {
    assert.equal(renderMarkdown('(c) -- "q" ...'), '<p>(c) -- &quot;q&quot; ...</p>\n');
  });

  it('takes the longest code block for the editor, or the whole answer without one', () => {
    assert.equal(codeForEditor('no code here'), 'no code here');
    assert.equal(codeForEditor('```\nshort\n```\ntext\n```ts\nthe longer one\n```\n```\nmid one\n```'), 'the longer one\n');
    assert.equal(codeForEditor('```\nsame\n```\n```\nsome\n```'), 'same\n', 'the first of equals');
    assert.equal(codeForEditor('text\n\n    indented code\n'), 'indented code\n');
  });
});
