// Part of `npm run bench`: a 1,000-file batch (issue 11). How long building its request (the plan and
// the 1,000 items' bodies) and submitting it take, against building and submitting the same files as
// 1,000 single responses, in the same run; the heap's peak growth while doing it; and how many polls
// Sail gets per file when the batch is polled as one job, against polling each file's response on its
// own with the same scheduler. Nothing asserts a time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBatchRequest, planBatch, type CandidateFile } from '../../src/batch/plan';
import { readConfig } from '../../src/config';
import { systemClock } from '../../src/jobs/clock';
import { FileBlobStore, JobStore } from '../../src/jobs/jobStore';
import { JobTracker } from '../../src/jobs/jobTracker';
import { PollScheduler } from '../../src/jobs/pollScheduler';
import { buildInput, buildRequest } from '../../src/jobs/prompt';
import { SailClient } from '../../src/sail/client';
import type { CreateResponseRequest } from '../../src/sail/schemas';
import { isTerminal } from '../../src/sail/status';
import { startSimulator } from '../sim';
import { MemoryState } from '../support/memoryState';
import { DrivenClock } from './drivenClock';
import { settledHeap } from './heap';

const FILES = 1_000;
const MODEL = 'moonshotai/Kimi-K2.5';
const quietLog = { info() {}, warn() {}, debug() {} };

/** 1,000 source files of about 2 KB each, as the planner gets them from the workspace. */
function candidates(): CandidateFile[] {
  const encoder = new TextEncoder();
  return Array.from({ length: FILES }, (_, i) => {
    const text = `// file ${i}\n${'export function f(a: number, b: number): number {\n  return a + b;\n}\n'.repeat(30)}`;
    const bytes = encoder.encode(text);
    return { path: `src/module${Math.floor(i / 50)}/file${i}.ts`, uri: `file:///work/src/module${Math.floor(i / 50)}/file${i}.ts`, size: bytes.length, bytes };
  });
}

const { config } = readConfig({ get: () => undefined, inspect: () => undefined });

function params(text: string, path: string): CreateResponseRequest {
  return buildRequest(config, buildInput({ instruction: 'Review this file', text, fileName: path, languageId: 'typescript' }), {
    model: MODEL,
    completionWindow: 'flex',
  });
}

/** Samples the heap while `work` runs; returns the work's result and the peak growth over the start. */
async function peakHeap<T>(work: () => Promise<T>): Promise<{ value: T; peakMiB: number; ms: number }> {
  const before = await settledHeap();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 2);
  const started = performance.now();
  try {
    const value = await work();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { value, peakMiB: (peak - before) / 2 ** 20, ms: performance.now() - started };
  } finally {
    clearInterval(sampler);
  }
}

/** Build and submit: the batch (one POST) against 1,000 single responses (1,000 POSTs), each through the job tracker. */
async function buildAndSubmit(): Promise<void> {
  const sim = await startSimulator({ timeScale: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'sail-bench-batch-'));
  const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey });
  const tracker = new JobTracker({
    store: new JobStore(new MemoryState(), new FileBlobStore(dir), { warn() {} }),
    api: () => client,
    batches: () => client,
    clock: systemClock,
    log: quietLog,
  });
  try {
    const files = candidates();
    const sourceMiB = files.reduce((n, f) => n + f.size, 0) / 2 ** 20;
    const singles = await peakHeap(async () => {
      for (const file of files) {
        await tracker.submit({ request: params(new TextDecoder().decode(file.bytes), file.path), title: file.path, instruction: 'Review this file' });
      }
    });
    const batch = await peakHeap(async () => {
      const plan = planBatch(files, { maxFileBytes: 1024 * 1024 });
      const built = buildBatchRequest(plan, (file) => params(file.text, file.path));
      const request = built.request;
      if (!request) {
        throw new Error('the plan sent nothing');
      }
      const manifest = { items: built.plan.send.map((f) => ({ customId: f.customId, uri: f.uri, path: f.path, languageId: 'typescript' })), skipped: [] };
      return { bodyMiB: built.bodyBytes / 2 ** 20, job: await tracker.submitBatch({ request, manifest, title: 'bench', instruction: 'Review this file' }) };
    });
    console.log(
      `   ${FILES} files of ${((sourceMiB * 1024) / FILES).toFixed(1)} KiB (${sourceMiB.toFixed(1)} MiB of source); batch body ${batch.value.bodyMiB.toFixed(1)} MiB`,
    );
    console.log('                               time      peak heap growth');
    console.log(`   as 1,000 single responses  ${(singles.ms / 1000).toFixed(2).padStart(6)} s   ${singles.peakMiB.toFixed(1).padStart(6)} MiB   (baseline)`);
    console.log(
      `   as one batch               ${(batch.ms / 1000).toFixed(2).padStart(6)} s   ${batch.peakMiB.toFixed(1).padStart(6)} MiB   (time ×${(batch.ms / singles.ms).toFixed(2)}; ${batch.value.job.state})`,
    );
  } finally {
    tracker.dispose();
    await client.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls until done, on virtual time: the batch as one job, against each file's response as its own. */
async function pollsPerFile(): Promise<void> {
  const clock = new DrivenClock();
  const sim = await startSimulator({ now: () => clock.now() });
  const client = new SailClient({ baseUrl: sim.baseUrl, getApiKey: async () => sim.apiKey, retry: { maxAttemptsGet: 1 } });
  try {
    const files = candidates().slice(0, FILES);
    const request = {
      endpoint: '/v1/responses' as const,
      requests: files.map((f, i) => ({
        custom_id: `f${i}`,
        params: { model: MODEL, input: `Review ${f.path}`, background: true, metadata: { completion_window: 'flex' } },
      })),
    };
    const batch = await client.createBatch(request);
    const singles: string[] = [];
    for (const f of files) {
      const { response } = await client.createResponse({ model: MODEL, input: `Review ${f.path}`, background: true, metadata: { completion_window: 'flex' } });
      singles.push(response.id);
    }
    const submittedAt = clock.now();
    let batchPolls = 0;
    let singlePolls = 0;
    let batchDone = false;
    const singlesDone = new Set<string>();
    const scheduler = new PollScheduler({
      clock,
      maxInFlight: 8,
      poll: async (target) => {
        if (target.jobId === batch.id) {
          batchPolls++;
          const detail = await clock.track(client.getBatch(batch.id));
          batchDone = Object.values(detail.request_status).every((s) => isTerminal(s.status));
          return batchDone ? { kind: 'done' } : { kind: 'pending' };
        }
        singlePolls++;
        const response = await clock.track(client.getResponse(target.jobId));
        if (isTerminal(response.status)) {
          singlesDone.add(target.jobId);
          return { kind: 'done' };
        }
        return { kind: 'pending' };
      },
    });
    scheduler.track({ jobId: batch.id, window: 'flex', submittedAt });
    for (const id of singles) {
      scheduler.track({ jobId: id, window: 'flex', submittedAt });
    }
    await clock.run(() => batchDone && singlesDone.size === singles.length);
    scheduler.dispose();
    console.log(
      `   polls until every file is done (flex, same scheduler): one batch ${batchPolls} (${(batchPolls / FILES).toFixed(3)} per file); each file on its own ${singlePolls} (${(singlePolls / FILES).toFixed(1)} per file): the batch sends ${(singlePolls / Math.max(1, batchPolls)).toFixed(0)}× fewer`,
    );
  } finally {
    await client.close();
    await sim.close();
  }
}

export async function benchBatch(): Promise<void> {
  console.log(`7. A ${FILES.toLocaleString('en-US')}-file batch: build and submit, heap, polls`);
  await buildAndSubmit();
  await pollsPerFile();
  console.log('');
}
