-- Reads a channel's stream position and, optionally, a range of its publications. A channel without meta gets
-- a fresh epoch here, so that the position a client receives now stays comparable with later publications.
--
-- KEYS[1]  history stream
-- KEYS[2]  stream meta hash: "e" = epoch, "s" = top offset, "m" = master the epoch was written on, "pm" = the one before
-- ARGV[1]  "" reads no publications; "xrange" or "xrevrange" reads a range
-- ARGV[2]  range start ("-", "+" or an offset)
-- ARGV[3]  range end
-- ARGV[4]  maximum entries; 0 means all
-- ARGV[5]  meta TTL, milliseconds; 0 leaves the meta's expiry alone
-- ARGV[6]  epoch to use when the stream has none yet (or starts a new one, see publish.lua)
-- ARGV[7]  identity of the master this runs on (its replication id), "" when unknown
-- ARGV[8]  the replication id it had before (master_replid2): after a promotion, the old master's
-- Returns  { top offset, epoch, entries or nil }

local stream_key, meta_key = KEYS[1], KEYS[2]

local epoch, top, restarted = settle_epoch(meta_key, ARGV[6], ARGV[7], ARGV[8])
if restarted then
    -- The old epoch's entries are not this epoch's: publish.lua drops them at the next offset 1, history does now.
    redis.call('del', stream_key)
end
if not top then
    top = 0
end
if ARGV[5] ~= '0' then
    redis.call('pexpire', meta_key, ARGV[5])
end

local entries = nil
if ARGV[1] ~= '' then
    if ARGV[4] == '0' then
        entries = redis.call(ARGV[1], stream_key, ARGV[2], ARGV[3])
    else
        entries = redis.call(ARGV[1], stream_key, ARGV[2], ARGV[3], 'COUNT', ARGV[4])
    end
end

return { tonumber(top), epoch, entries }
