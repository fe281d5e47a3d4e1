import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SailTestApi } from '../../src/extension';
import type { JobRecord } from '../../src/jobs/job';
import type { JobTracker } from '../../src/jobs/jobTracker';
import type { CounterSnapshot, FaultRule } from '../sim';

export const EXTENSION_ID = 'sailresearch.sail-vscode';

export function sailExtension(): vscode.Extension<SailTestApi | undefined> {
  const extension = vscode.extensions.getExtension<SailTestApi | undefined>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not loaded in this host`);
  return extension;
}

export async function testApi(): Promise<SailTestApi> {
  const api = await sailExtension().activate();
  assert.ok(api, 'activate() returns the test API in test mode');
  return api;
}

function env(name: string): string {
  const value = process.env[name];
  assert.ok(value, `${name} is set by test/host/runIntegration.mjs`);
  return value;
}

export const sim = {
  get url(): string {
    return env('SAIL_SIM_URL');
  },
  get key(): string {
    return env('SAIL_SIM_KEY');
  },
  /** A second account's key: it sees none of the first account's responses. */
  get otherKey(): string {
    return env('SAIL_SIM_OTHER_KEY');
  },
  async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${env('SAIL_SIM_ADMIN')}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(response.ok, `simulator admin ${method} ${path}: ${response.status}`);
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  },
  inject(rule: FaultRule): Promise<unknown> {
    return this.admin('POST', '/faults', rule);
  },
  reset(): Promise<unknown> {
    return this.admin('POST', '/reset');
  },
  /** Sail forgets every response, as after its 48 h retention. */
  expire(): Promise<unknown> {
    return this.admin('POST', '/expire');
  },
  /** Every running response (batch items too) finishes now, as if its window had passed. */
  finish(): Promise<unknown> {
    return this.admin('POST', '/finish');
  },
  async counters(): Promise<CounterSnapshot> {
    return (await this.admin('GET', '/counters')) as CounterSnapshot;
  },
  /** The status Sail reports for a response, asked with the first account's key. */
  async status(id: string): Promise<string> {
    const response = await fetch(`${this.url}/responses/${id}`, { headers: { authorization: `Bearer ${this.key}` } });
    return ((await response.json()) as { status: string }).status;
  },
  /** What Sail itself says about a response, straight from the simulator. */
  async response(id: string): Promise<{ usage: { input_tokens: number; output_tokens: number; total_tokens: number } }> {
    const response = await fetch(`${this.url}/responses/${id}`, { headers: { authorization: `Bearer ${this.key}` } });
    assert.equal(response.status, 200);
    return (await response.json()) as { usage: { input_tokens: number; output_tokens: number; total_tokens: number } };
  },
};

/** Waits for the job to finish, asking Sail often (the real schedule is tuned for real windows). */
export async function finished(tracker: JobTracker, id: string, timeoutMs = 30_000): Promise<JobRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = tracker.get(id);
    assert.ok(job, `job ${id} exists`);
    if (!['submitting', 'queued', 'in_progress'].includes(job.state)) {
      return job;
    }
    assert.ok(Date.now() < deadline, `job ${id} still ${job.state} after ${timeoutMs} ms`);
    tracker.refresh(id);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) {
      return value;
    }
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens a new file in the test workspace with `text`, selecting `select` (a substring) if given. */
export async function openEditor(name: string, text: string, select?: string): Promise<vscode.TextEditor> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  const uri = vscode.Uri.joinPath(folder.uri, name);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  const editor = await vscode.window.showTextDocument(uri);
  if (select !== undefined) {
    const start = text.indexOf(select);
    assert.ok(start >= 0);
    editor.selection = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(start + select.length));
  }
  return editor;
}

/** Opens `name` with `text`, selects `select` and runs Sail: Send Selection with `args`; returns the job id. */
export async function sendSelection(name: string, text: string, select: string, args: Record<string, unknown>): Promise<string> {
  await openEditor(name, text, select);
  const jobId = await vscode.commands.executeCommand<string | undefined>('sail.sendSelection', args);
  assert.ok(jobId, 'the command returns the new job id');
  return jobId;
}

/** Before a test: Sail forgets everything, and the extension has the first account's key. */
export async function freshSailWithKey(): Promise<void> {
  await sim.reset();
  await (await testApi()).apiKey.set(sim.key);
}

/** After a test: no editors left open for the next one. */
export async function closeEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
