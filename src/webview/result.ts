// The result view's script: renders what the host sends, and sends back what the user clicks.
// All text goes in through textContent; only `outputHtml`/`reasoningHtml`, rendered and sanitized on
// the host, go in as HTML.
import { fill, formatDuration } from '../render/duration';
import { HostMessageSchema, type JobView, type WebviewMessage } from '../render/messages';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;
let current: JobView | undefined;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function icon(name: string, spin = false): HTMLElement {
  return el('span', `codicon codicon-${name}${spin ? ' codicon-modifier-spin' : ''}`);
}

function button(label: string, codicon: string, message: WebviewMessage, primary = false): HTMLButtonElement {
  const node = el('button', primary ? 'primary' : 'secondary');
  node.type = 'button';
  node.append(icon(codicon), el('span', undefined, label));
  node.addEventListener('click', () => vscode.postMessage(message));
  return node;
}

function table(rows: { label: string; value: string }[], className: string, caption?: string): HTMLTableElement {
  const node = el('table', className);
  if (caption) {
    node.append(el('caption', undefined, caption));
  }
  for (const row of rows) {
    const tr = el('tr');
    tr.append(el('th', undefined, row.label), el('td', undefined, row.value));
    tr.dataset.label = row.label;
    node.append(tr);
  }
  return node;
}

const STATE_ICONS: Record<JobView['tone'], string> = { running: 'sync', done: 'pass', warning: 'warning', error: 'error' };

function render(view: JobView): void {
  current = view;
  vscode.setState({ jobId: view.jobId });
  const header = el('header');
  const status = el('div', `status tone-${view.tone}`);
  status.append(icon(STATE_ICONS[view.tone], view.tone === 'running'), el('span', 'state-label', view.stateLabel));
  const clock = el('span', 'clock');
  status.append(clock);
  header.append(el('h1', undefined, view.title), status);
  if (view.source) {
    header.append(el('p', 'source', view.source));
  }
  header.append(el('p', 'instruction', view.instruction));

  const actions = el('div', 'actions');
  if (view.outputHtml) {
    actions.append(button(view.labels.copy, 'copy', { type: 'copy' }, true));
    if (view.canInsert) {
      actions.append(button(view.labels.insert, 'insert', { type: 'insert' }));
    }
    if (view.canReplace) {
      actions.append(button(view.labels.replace, 'replace', { type: 'replace' }));
    }
    if (view.canReview) {
      actions.append(button(view.labels.review, 'diff', { type: 'review' }));
    }
    actions.append(button(view.labels.openUntitled, 'go-to-file', { type: 'openUntitled' }));
    if (view.structured) {
      actions.append(button(view.labels.openJson, 'json', { type: 'openJson' }));
    }
  }
  if (view.canStop) {
    actions.append(button(view.labels.checkNow, 'refresh', { type: 'refresh' }), button(view.labels.stopTracking, 'debug-stop', { type: 'stopTracking' }));
  }
  if (view.canRetry) {
    actions.append(button(view.labels.sendAgain, 'debug-restart', { type: 'retry' }, true));
  }

  const body: HTMLElement[] = [header];
  if (actions.childElementCount) {
    body.push(actions);
  }
  if (view.notice) {
    const notice = el('p', `notice tone-${view.tone}`);
    notice.append(icon(view.tone === 'error' ? 'error' : 'info'), el('span', undefined, view.notice));
    body.push(notice);
  }
  if (view.structured) {
    const structured = el('section', `structured tone-${view.structured.tone}`);
    const verdict = el('p', 'verdict');
    verdict.append(icon(view.structured.tone === 'done' ? 'pass' : view.structured.tone), el('span', undefined, view.structured.verdict));
    structured.append(el('h2', undefined, view.labels.structured), verdict);
    if (view.structured.problems.length) {
      const list = el('ul', 'problems');
      list.append(...view.structured.problems.map((problem) => el('li', undefined, problem)));
      structured.append(list);
    }
    body.push(structured);
  }
  if (view.outputHtml) {
    const output = el('article', 'output');
    output.innerHTML = view.outputHtml;
    body.push(output);
  }
  if (view.reasoningHtml) {
    const details = el('details', 'reasoning');
    details.append(el('summary', undefined, view.labels.reasoning));
    const inner = el('div');
    inner.innerHTML = view.reasoningHtml;
    details.append(inner);
    body.push(details);
  }
  const aside = el('section', 'meta');
  if (view.usage) {
    aside.append(table(view.usage, 'usage', view.labels.usage));
  }
  if (view.cost?.length) {
    aside.append(table(view.cost, 'cost', view.labels.cost));
  }
  aside.append(table(view.facts, 'facts', view.labels.details));
  body.push(aside);
  root.replaceChildren(...body);
  tick();
}

function tick(): void {
  if (!current) {
    return;
  }
  const clock = root.querySelector('.clock');
  if (!clock) {
    return;
  }
  if (current.finishedAt !== undefined) {
    clock.textContent = '';
    return;
  }
  const { labels } = current;
  const parts = [fill(labels.elapsed, formatDuration(Date.now() - current.createdAt, labels))];
  if (current.nextCheckAt !== undefined) {
    parts.push(current.nextCheckAt <= Date.now() ? labels.checkingNow : fill(labels.nextCheck, formatDuration(current.nextCheckAt - Date.now(), labels)));
  }
  clock.textContent = ` · ${parts.join(' · ')}`;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = HostMessageSchema.safeParse(event.data);
  if (!message.success) {
    return;
  }
  if (message.data.type === 'update') {
    render(message.data.view);
  } else {
    const missing = el('p', 'notice tone-warning');
    missing.append(icon('warning'), el('span', undefined, message.data.message));
    root.replaceChildren(missing);
  }
});

setInterval(tick, 1000);
vscode.postMessage({ type: 'ready' });
