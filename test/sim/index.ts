// The local Sail simulator: Sail's Responses and Batches API over real HTTP on 127.0.0.1, with virtual
// time, idempotency, fault injection and request counters. See README "The Sail simulator".
export { startSimulator, type Simulator, type SimulatorOptions } from './server';
export { ROUTE_NAMES, type FaultControl, type FaultEffect, type FaultMatch, type FaultRule, type RouteName } from './faults';
export type { CounterSnapshot, SimCounters } from './counters';
export { COMPLETION_WINDOWS, DEFAULT_MODELS, type CompletionWindow, type SimModel } from './models';
export type { LoggedRequest, SimRequestLog } from './requestLog';
