import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdown } from '../../src/render/markdown';
import { formatDuration, usageRows } from '../../src/render/usage';

describe('renderMarkdown', () => {
  it('renders headings, lists and highlighted code', () => {
    const html = renderMarkdown('# Title\n\n- one\n- two\n\n```ts\nconst x: number = 1;\n```\n');
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<li>one<\/li>/);
    assert.match(html, /<pre><code class="language-ts"><span class="hljs-keyword">const<\/span>/);
  });

  it('leaves unknown code languages unhighlighted but escaped', () => {
    const html = renderMarkdown('```nosuchlang\n<b>x</b>\n```');
    assert.match(html, /&lt;b&gt;x&lt;\/b&gt;/);
    assert.doesNotMatch(html, /hljs-/);
  });

  it('renders hostile output inert: raw HTML, scripts, event handlers, javascript: and data: links', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src=x onerror="alert(2)">',
      '<a href="javascript:alert(3)">click</a>',
      '[link](javascript:alert(4))',
      '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==)',
      '![img](javascript:alert(6))',
      '[vb](vbscript:msgbox)',
      // A safe scheme later in the URL does not make it safe.
      "[x](javascript:alert('https:'))",
      '[m](JAVASCRIPT:alert(1)//mailto:)',
      '<iframe src="https://evil.example"></iframe>',
      '<div style="background:url(javascript:alert(7))">x</div>',
      '```html\n<script>alert(8)</script>\n```',
    ].join('\n\n');
    const html = renderMarkdown(hostile);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img[^>]*onerror/i);
    assert.doesNotMatch(html, /<iframe/i);
    assert.doesNotMatch(html, /<div/i);
    assert.doesNotMatch(html, /href="(javascript|data|vbscript):/i);
    assert.doesNotMatch(html, /src="javascript:/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'raw HTML is shown as text');
  });

  it('aligns table columns with classes, not the inline styles the CSP would block', () => {
    const html = renderMarkdown('| name | tokens |\n|:-----|------:|\n| a | 1 |\n');
    assert.match(html, /<th class="align-left">name<\/th>/);
    assert.match(html, /<td class="align-right">1<\/td>/);
    assert.doesNotMatch(html, /style=/);
  });

  it('keeps http(s) links, marked noopener', () => {
    const html = renderMarkdown('[docs](https://docs.sailresearch.com) and https://example.com');
    assert.match(html, /<a href="https:\/\/docs.sailresearch.com" rel="noopener noreferrer">docs<\/a>/);
    assert.match(html, /<a href="https:\/\/example.com" rel="noopener noreferrer">/);
  });
});

describe('usage', () => {
  it('lists input, cached, output, reasoning and total tokens', () => {
    const rows = usageRows({
      input_tokens: 1234,
      output_tokens: 567,
      total_tokens: 1801,
      input_tokens_details: { cached_tokens: 1000 },
      output_tokens_details: { reasoning_tokens: 89 },
    });
    assert.deepEqual(
      rows.map((r) => [r.label, r.value]),
      [
        ['Input tokens', '1,234'],
        ['Cached input tokens', '1,000'],
        ['Output tokens', '567'],
        ['Reasoning tokens', '89'],
        ['Total tokens', '1,801'],
      ],
    );
  });

  it('formats durations for people', () => {
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(12_400), '12 s');
    assert.equal(formatDuration(245_000), '4 min 05 s');
    assert.equal(formatDuration(7_380_000), '2 h 03 min');
    assert.equal(formatDuration(-1), '—');
  });
});
