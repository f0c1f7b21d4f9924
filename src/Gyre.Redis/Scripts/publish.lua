-- Appends a publication to a channel's history stream and publishes it to the channel's subscribers in one
-- atomic step, so a history reader never sees an offset that subscribers will not receive, nor the reverse.
--
-- KEYS[1]  history stream (entry ids are "<offset>-0", field "d" holds the Publication protobuf)
-- KEYS[2]  stream meta hash: "e" = epoch, "s" = top offset, "m" = master the epoch was written on, "pm" = the one before
-- KEYS[3]  optional idempotency result hash: "o" = offset, "e" = epoch of the first publish with this key
-- ARGV[1]  Publication protobuf bytes
-- ARGV[2]  history size: entries kept in the stream
-- ARGV[3]  history TTL, milliseconds
-- ARGV[4]  meta TTL, milliseconds; 0 keeps the meta forever
-- ARGV[5]  epoch to use when the stream has none yet
-- ARGV[6]  PUB/SUB channel; empty skips delivery
-- ARGV[7]  "publish" or "spublish"
-- ARGV[8]  idempotency result TTL, milliseconds (used with KEYS[3])
-- ARGV[9]  publisher's version of the channel state, "0" when unversioned; kept in the meta hash as "v"
-- ARGV[10] version epoch, kept as "ve"; a stale version (not above "v", same or empty epoch) is suppressed
-- ARGV[11] identity of the master this runs on (its replication id), "" when unknown
-- ARGV[12] the replication id it had before (master_replid2): after a promotion, the old master's
-- Returns  { offset, epoch, suppressed (0|1) }

local stream_key, meta_key, result_key = KEYS[1], KEYS[2], KEYS[3]

if result_key then
    local earlier = redis.call('hmget', result_key, 'o', 'e')
    if earlier[2] then
        return { tonumber(earlier[1]), earlier[2], 1 }
    end
end

local epoch = settle_epoch(meta_key, ARGV[5], ARGV[11], ARGV[12])

local version, version_epoch = ARGV[9], ARGV[10]
if version and version ~= '0' then
    local previous = redis.call('hmget', meta_key, 'v', 've', 's')
    if previous[1] and (version_epoch == '' or version_epoch == previous[2]) and tonumber(previous[1]) >= tonumber(version) then
        return { tonumber(previous[3] or '0'), epoch, 1 }
    end
    redis.call('hset', meta_key, 'v', version, 've', version_epoch)
end

local offset = redis.call('hincrby', meta_key, 's', 1)
if ARGV[4] ~= '0' then
    redis.call('pexpire', meta_key, ARGV[4])
end

if offset == 1 then
    -- A new epoch begins: whatever stream is left belongs to the previous one (its meta was evicted or expired).
    redis.call('del', stream_key)
end

redis.call('xadd', stream_key, 'MAXLEN', ARGV[2], offset .. '-0', 'd', ARGV[1])
redis.call('pexpire', stream_key, ARGV[3])

if ARGV[6] ~= '' then
    redis.call(ARGV[7], ARGV[6], '__p1:' .. offset .. ':' .. epoch .. '__' .. ARGV[1])
end

if result_key then
    redis.call('hset', result_key, 'o', offset, 'e', epoch)
    redis.call('pexpire', result_key, ARGV[8])
end

return { offset, epoch, 0 }
