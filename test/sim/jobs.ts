// Response jobs: created with their inference already run, then advanced lazily by virtual time
// (queued → in_progress → completed | incomplete | failed) and rendered as Sail's ResponseObject.
import { createHash, randomBytes } from 'node:crypto';
import type { SimClock } from './clock';
import { runInference, ZERO_USAGE, type Inference } from './inference';
import { WINDOW_LATENCY_MS } from './models';
import { PromptCache } from './promptCache';
import type { ResponseRequest } from './validate';

export type JobStatus = 'queued' | 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface JobError {
  code: string;
  message: string;
}

export interface Job {
  id: string;
  /** Wall-clock ms. */
  createdAtMs: number;
  /** Virtual ms from creation to the terminal state. */
  durationMs: number;
  request: ResponseRequest;
  /** The key that created it: like OpenAI, Sail shows a response only to its own account. */
  apiKey: string;
  result: Inference | { status: 'failed'; error: JobError };
}

export interface JobStoreOptions {
  clock: SimClock;
  /** Waits this many milliseconds of the clock's time (a foreground request waiting for its job). */
  sleep: (ms: number) => Promise<void>;
  legacyStatuses: boolean;
  retentionMs: number;
}

/** Share of a job's duration spent queued before it starts running. */
const QUEUED_SHARE = 0.15;
const LEGACY_NAMES: Partial<Record<JobStatus, string>> = { queued: 'pending', in_progress: 'running' };

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private holding = false;
  /** The prompts each (API key, prompt_cache_key) was sent with, for cached_tokens. */
  private readonly promptCache = new PromptCache();

  constructor(private readonly options: JobStoreOptions) {}

  /** Runs the inference and records the job. `failure` makes the job end `failed` instead. */
  create(request: ResponseRequest, apiKey: string, failure?: JobError): Job {
    const id = `resp_${randomBytes(12).toString('hex')}`;
    const cacheKey = request.params.prompt_cache_key;
    const job: Job = {
      id,
      createdAtMs: this.options.clock.now(),
      // A held job runs until finishAll(), however long its window.
      durationMs: this.holding ? Number.POSITIVE_INFINITY : WINDOW_LATENCY_MS[request.window] * jitter(id),
      request,
      apiKey,
      // A failed job computed nothing the cache could keep.
      result:
        failure === undefined
          ? runInference(request, (prompt, inputTokens) => this.promptCache.read(apiKey, cacheKey, prompt, inputTokens))
          : { status: 'failed', error: failure },
    };
    this.jobs.set(id, job);
    return job;
  }

  /** The job, unless it never existed or is past retention. */
  get(id: string): Job | undefined {
    const job = this.jobs.get(id);
    if (job !== undefined && this.isExpired(job.createdAtMs)) {
      this.jobs.delete(id);
      return undefined;
    }
    return job;
  }

  isExpired(createdAtMs: number): boolean {
    return this.options.clock.virtualSince(createdAtMs) >= this.options.retentionMs;
  }

  clear(): void {
    this.holding = false;
    this.jobs.clear();
    this.promptCache.clear();
  }

  /** Forgets every response at once, as if Sail's retention had passed for all of them. */
  expireAll(): void {
    this.jobs.clear();
  }

  /** While on, new jobs keep running until finishAll(): tests look at a running job without racing it. */
  hold(on: boolean): void {
    this.holding = on;
  }

  /** Every job still running reaches its end now, as if its completion window had passed. */
  finishAll(): void {
    for (const job of this.jobs.values()) {
      job.durationMs = Math.min(job.durationMs, this.options.clock.virtualSince(job.createdAtMs));
    }
  }

  status(job: Job): JobStatus {
    const elapsed = this.options.clock.virtualSince(job.createdAtMs);
    if (elapsed >= job.durationMs) {
      return job.result.status;
    }
    return elapsed < job.durationMs * QUEUED_SHARE ? 'queued' : 'in_progress';
  }

  /** The status as this simulator's vocabulary spells it (live `queued`/`in_progress`, or SPEC's `pending`/`running`). */
  wireStatus(job: Job): string {
    const status = this.status(job);
    return (this.options.legacyStatuses && LEGACY_NAMES[status]) || status;
  }

  /** Resolves once the job is terminal, as a foreground request waits. */
  async untilTerminal(job: Job): Promise<void> {
    const { clock, sleep } = this.options;
    for (;;) {
      const remaining = job.durationMs - clock.virtualSince(job.createdAtMs);
      if (remaining <= 0) {
        return;
      }
      await sleep(clock.realDuration(remaining));
    }
  }

  /** Sail's ResponseObject. `output` and `usage` stay empty until the job is terminal; `output_text` is never sent. */
  render(job: Job): Record<string, unknown> {
    const status = this.status(job);
    const { body, params, model } = job.request;
    const { result } = job;
    const done = status === 'completed' || status === 'incomplete';
    return {
      id: job.id,
      object: 'response',
      created_at: Math.floor(job.createdAtMs / 1000),
      status: this.wireStatus(job),
      model: model.responseModel ?? model.id,
      input: body.input,
      output: done && result.status !== 'failed' ? result.output : [],
      error: status === 'failed' && result.status === 'failed' ? result.error : null,
      incomplete_details: done && result.status !== 'failed' ? result.incompleteDetails : null,
      max_output_tokens: params.max_output_tokens ?? null,
      ...(typeof params.temperature === 'number' ? { temperature: params.temperature } : {}),
      ...(typeof params.top_p === 'number' ? { top_p: params.top_p } : {}),
      ...(body.reasoning !== undefined ? { reasoning: body.reasoning } : {}),
      text: body.text ?? { format: { type: 'text' } },
      tools: body.tools ?? [],
      tool_choice: body.tool_choice ?? 'auto',
      parallel_tool_calls: params.parallel_tool_calls ?? true,
      truncation: 'disabled',
      store: params.store ?? true,
      user: params.user ?? null,
      metadata: body.metadata ?? {},
      usage: done && result.status !== 'failed' ? result.usage : ZERO_USAGE,
    };
  }
}

/** A stable factor in [0.85, 1.15) per id, so jobs in one window do not all finish together. */
function jitter(id: string): number {
  const digest = createHash('sha256').update(id).digest();
  return 0.85 + (digest.readUInt32BE(0) / 2 ** 32) * 0.3;
}
