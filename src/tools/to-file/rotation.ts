/** When nsq_to_file opens a new file (needsRotation), as a pure function of state and time. */

/** What the rotation rule needs to know about the current file. */
export interface OpenFileState {
  /** The dated name (`<REV>` unresolved) the file was opened under. */
  datedName: string
  /** Clock time (ms) the file was opened. */
  openedAt: number
  /** Bytes written (uncompressed), counted from the file's size when it was opened. */
  size: number
}

export interface RotationRules {
  /** 0 = off. */
  rotateSize: number
  /** 0 = off. */
  rotateIntervalMs: number
}

/** Why a new file is needed, or undefined when the current one still takes messages. */
export type RotationReason = 'no-file' | 'datetime' | 'interval' | 'size'

/**
 * nsq_to_file's needsRotation: no file open; the dated name changed; open longer than
 * rotate-interval (strictly); more than rotate-size bytes written (strictly).
 */
export function rotationReason(
  file: OpenFileState | undefined,
  currentDatedName: string,
  now: number,
  rules: RotationRules,
): RotationReason | undefined {
  if (file === undefined) return 'no-file'
  if (currentDatedName !== file.datedName) return 'datetime'
  if (rules.rotateIntervalMs > 0 && now - file.openedAt > rules.rotateIntervalMs) return 'interval'
  if (rules.rotateSize > 0 && file.size > rules.rotateSize) return 'size'
  return undefined
}

/** The revision for a new file: 0 for a new dated name, else the previous one plus one (updateFile). */
export function nextRev(previousDatedName: string | undefined, previousRev: number, datedName: string): number {
  return previousDatedName === datedName ? previousRev + 1 : 0
}
