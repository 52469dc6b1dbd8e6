import type {SourceWait} from './topic-source.js'

/**
 * The one line a command prints (on stderr) when its topic source has nothing to consume yet,
 * saying what it waits for and what may be wrong, so a wait is never silent.
 */
export function describeWait(wait: SourceWait): string {
  const lookupd = `${wait.lookupd.length === 1 ? 'lookupd' : 'lookupds'} ${wait.lookupd.join(', ')}`
  if (wait.kind === 'topics') {
    return `waiting for a topic matching /${wait.pattern.source}/: ${lookupd} ${wait.lookupd.length === 1 ? 'lists' : 'list'} none yet (asking again after 1s, 2s, 4s …)`
  }
  return `waiting for topic ${wait.topic}: ${lookupd} ${wait.lookupd.length === 1 ? 'lists' : 'list'} no nsqd for it yet (asking again after 1s, 2s, 4s …); check the topic name, and that --lookupd-http-address is nsqlookupd's HTTP port (4161 by default), not nsqd's`
}
