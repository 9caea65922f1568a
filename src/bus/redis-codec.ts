import { toLiveEvent, type LiveEvent, type StampedDraft } from '../core/event.js';

/**
 * How events are stored in the Redis stream, and the append script.
 *
 * An entry is `<seq>-0  e <epoch>  d <json>`: the stream id is the position, `e` the epoch it was
 * written under (so a reader notices a recreated stream in the entries themselves), `d` the
 * stamped draft as JSON.
 *
 * @module
 */

/** One stream entry as ioredis returns it: `[id, [field, value, …]]`. */
export type StreamEntry = [string, string[]];

/**
 * Appends drafts in one round trip. KEYS: stream, meta hash. ARGV: MAXLEN, a candidate epoch used
 * only when the meta hash has none (new or flushed stream), then one encoded draft per event.
 * Assigns consecutive seqs from the `seq` counter (restored from the stream's last id when the
 * counter is missing, so an id is never reused) and answers `{epoch, firstSeq}`.
 */
export const APPEND_SCRIPT = `
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  epoch = ARGV[2]
  redis.call('HSET', KEYS[2], 'epoch', epoch)
end
if redis.call('HEXISTS', KEYS[2], 'seq') == 0 then
  local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  local seq = 0
  if #top > 0 then seq = tonumber(string.match(top[1][1], '^(%d+)')) end
  redis.call('HSET', KEYS[2], 'seq', seq)
end
local n = #ARGV - 2
local last = redis.call('HINCRBY', KEYS[2], 'seq', n)
local first = last - n + 1
for i = 1, n do
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], (first + i - 1) .. '-0', 'e', epoch, 'd', ARGV[i + 2])
end
return {epoch, first}
`;

/** Serializes a stamped draft for the `d` field. */
export function encodeDraft(draft: StampedDraft): string {
  return JSON.stringify({
    topic: draft.topic,
    type: draft.type,
    source: draft.source,
    time: draft.time,
    labels: draft.labels,
    data: draft.data,
  });
}

/** Turns a stream entry back into the event every node derives from it. */
export function decodeEntry(entry: StreamEntry, fallbackEpoch: string): LiveEvent {
  const [streamId, fields] = entry;
  let epoch = fallbackEpoch;
  let body = 'null';
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'e') epoch = fields[i + 1]!;
    else if (fields[i] === 'd') body = fields[i + 1]!;
  }
  const seq = Number(streamId.slice(0, streamId.indexOf('-')));
  const draft = JSON.parse(body) as StampedDraft;
  return toLiveEvent(draft, epoch, seq);
}

/** The epoch part of an event id. */
export function epochOf(id: string): string {
  return id.slice(0, id.lastIndexOf('-'));
}
