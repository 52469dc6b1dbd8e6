/**
 * The consumer's backoff state machine (PURE). A requeue-with-backoff raises the level and
 * pauses delivery (RDY 0 everywhere) for a capped exponential delay with jitter; when the
 * delay ends one connection gets RDY 1 to test the water; a success lowers the level, and at
 * level 0 delivery resumes in full. Results that arrive while a pause runs do not count, so
 * one burst of failures raises the level once per pause (as go-nsq does, reference §4.3).
 */
import {backoffDelay, type BackoffPolicy} from '../util/backoff.js'

/** Delays of the backoff levels: level n waits core's `backoffDelay(config, n, random)`. */
export type BackoffConfig = BackoffPolicy

export const DEFAULT_CONSUMER_BACKOFF: BackoffConfig = {initialMs: 1000, maxMs: 60_000, jitter: 0.25}

export type BackoffPhase = {readonly kind: 'normal'} | {readonly kind: 'paused'; readonly until: number} | {readonly kind: 'probing'}

export interface BackoffState {
  readonly level: number
  readonly phase: BackoffPhase
}

export const INITIAL_BACKOFF: BackoffState = {level: 0, phase: {kind: 'normal'}}

export type BackoffEvent = 'success' | 'failure' | 'timer'

/** Highest level whose un-jittered delay still fits under maxMs. */
function maxLevel(config: BackoffConfig): number {
  let level = 1
  while (level < 31 && config.initialMs * 2 ** level <= config.maxMs) level++
  return level
}

/** The next state after `event` at time `now`. */
export function nextBackoff(state: BackoffState, event: BackoffEvent, config: BackoffConfig, now: number, random: number): BackoffState {
  const pause = (level: number): BackoffState => ({level, phase: {kind: 'paused', until: now + backoffDelay(config, level, random)}})
  switch (state.phase.kind) {
    case 'paused':
      // Only the timer ends a pause; results from messages already in flight are ignored.
      return event === 'timer' ? {level: state.level, phase: {kind: 'probing'}} : state
    case 'probing':
    case 'normal': {
      if (event === 'timer') return state
      if (event === 'failure') return pause(Math.min(state.level + 1, maxLevel(config)))
      if (state.level === 0) return state
      const level = state.level - 1
      return level === 0 ? {level: 0, phase: {kind: 'normal'}} : pause(level)
    }
  }
}
