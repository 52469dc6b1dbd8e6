/**
 * `--verify`: a file is checked against its manifest before anything of it is published: the
 * stored bytes' SHA-256 and size, and the number of records in it.
 */
import {createHash} from 'node:crypto'
import type {ArchiveFile} from './archive-file.js'
import {readRecords, type ReadEnd} from './record-reader.js'
import {plural} from '../plural.js'

/** What the check found: undefined when the file matches its manifest, else what is wrong. */
export async function verifyFile(file: ArchiveFile, signal: AbortSignal): Promise<string | undefined> {
  const manifest = file.manifest
  if (manifest === undefined) return 'no manifest to verify it against'
  const hash = createHash('sha256')
  let stored = 0
  const hashed = (async function* (): AsyncGenerator<Buffer> {
    for await (const chunk of file.open(signal)) {
      hash.update(chunk)
      stored += chunk.length
      yield chunk
    }
  })()
  const end: ReadEnd = {gzip: false}
  let records = 0
  for await (const batch of readRecords(hashed, end)) records += batch.length
  const sha256 = hash.digest('hex')
  const problems: string[] = []
  if (end.torn !== undefined) problems.push(`gzip torn after ${stored} bytes (${end.torn.error})`)
  if (stored !== manifest.bytes) problems.push(`${stored} bytes, manifest says ${manifest.bytes}`)
  if (records !== manifest.messages) problems.push(`${plural(records, 'record')}, manifest says ${manifest.messages}`)
  if (sha256 !== manifest.sha256) problems.push(`sha256 ${sha256}, manifest says ${manifest.sha256}`)
  return problems.length === 0 ? undefined : problems.join('; ')
}
