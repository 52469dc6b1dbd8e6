/** Topic and channel name rules of nsqd (reference §1.11): 1–64 chars including `#ephemeral`. */
const NAME_PATTERN = /^[.a-zA-Z0-9_-]+(#ephemeral)?$/
const MAX_NAME_LENGTH = 64

function validName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_NAME_LENGTH && NAME_PATTERN.test(name)
}

export function isValidTopicName(name: string): boolean {
  return validName(name)
}

export function isValidChannelName(name: string): boolean {
  return validName(name)
}

export function isEphemeral(name: string): boolean {
  return name.endsWith('#ephemeral')
}

/** Why a name is invalid, in words a user can act on; undefined when it is valid. */
export function describeInvalidName(kind: 'topic' | 'channel', name: string): string | undefined {
  if (validName(name)) return undefined
  if (name.length === 0) return `${kind} name is empty`
  if (name.length > MAX_NAME_LENGTH)
    return `${kind} name "${name}" is ${name.length} characters; the limit is ${MAX_NAME_LENGTH} (including #ephemeral)`
  return `${kind} name "${name}" may only contain letters, digits, '.', '_' and '-', optionally ending in #ephemeral`
}
