/**
 * The result view's message contract, shared by the extension host and the webview script.
 * Both sides validate what they receive; zod/mini keeps the webview bundle small.
 */
import * as z from 'zod/mini';

const UsageRowSchema = z.object({ label: z.string(), value: z.string() });

/** Everything the webview shows about one job. Plain strings except `outputHtml`, which the host rendered and sanitized. */
export const JobViewSchema = z.object({
  jobId: z.string(),
  title: z.string(),
  stateLabel: z.string(),
  /** 'running' | 'done' | 'warning' | 'error': drives the icon and colour. */
  tone: z.enum(['running', 'done', 'warning', 'error']),
  source: z.optional(z.string()),
  instruction: z.string(),
  createdAt: z.number(),
  finishedAt: z.optional(z.number()),
  nextCheckAt: z.optional(z.number()),
  facts: z.array(UsageRowSchema),
  usage: z.optional(z.array(UsageRowSchema)),
  /** Beside the usage: its estimated cost, and the saving against asap. */
  cost: z.optional(z.array(UsageRowSchema)),
  outputHtml: z.optional(z.string()),
  reasoningHtml: z.optional(z.string()),
  notice: z.optional(z.string()),
  /** A structured answer (the request had a JSON Schema): whether it matches, and where it does not. */
  structured: z.optional(
    z.object({
      tone: z.enum(['done', 'warning', 'error']),
      verdict: z.string(),
      problems: z.array(z.string()),
    }),
  ),
  canReplace: z.boolean(),
  /** A whole file's answer: Review and Apply shows it as a diff against the file. */
  canReview: z.boolean(),
  canInsert: z.boolean(),
  canStop: z.boolean(),
  canRetry: z.boolean(),
  /** The view's own words; `elapsed` and `nextCheck` hold a `{0}` for the time. */
  labels: z.object({
    copy: z.string(),
    insert: z.string(),
    replace: z.string(),
    review: z.string(),
    openUntitled: z.string(),
    openJson: z.string(),
    structured: z.string(),
    checkNow: z.string(),
    stopTracking: z.string(),
    sendAgain: z.string(),
    reasoning: z.string(),
    usage: z.string(),
    cost: z.string(),
    details: z.string(),
    elapsed: z.string(),
    nextCheck: z.string(),
    checkingNow: z.string(),
    /** Durations (see DurationWords). */
    milliseconds: z.string(),
    seconds: z.string(),
    minutes: z.string(),
    hours: z.string(),
  }),
});
export type JobView = z.infer<typeof JobViewSchema>;

export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('update'), view: JobViewSchema }),
  z.object({ type: z.literal('missing'), jobId: z.string(), message: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const WebviewMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('copy') }),
  z.object({ type: z.literal('insert') }),
  z.object({ type: z.literal('replace') }),
  z.object({ type: z.literal('review') }),
  z.object({ type: z.literal('openUntitled') }),
  z.object({ type: z.literal('openJson') }),
  z.object({ type: z.literal('refresh') }),
  z.object({ type: z.literal('stopTracking') }),
  z.object({ type: z.literal('retry') }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessageSchema>;

/** What the panel serializer stores to bring a result back after a reload. */
export const PanelStateSchema = z.object({ jobId: z.string() });
export type PanelState = z.infer<typeof PanelStateSchema>;
