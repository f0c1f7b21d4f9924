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

local meta = redis.call('hmget', meta_key, 'e', 's', 'm', 'pm')
local epoch, top, master = meta[1], meta[2], ARGV[7]
if not epoch then
    epoch = ARGV[6]
    redis.call('hset', meta_key, 'e', epoch)
    if master ~= '' then
        redis.call('hset', meta_key, 'm', master)
    end
elseif master ~= '' and master ~= meta[3] and master ~= meta[4] then
    if meta[3] and meta[3] == ARGV[8] then
        -- Promoted from a replica of the master that wrote the meta, which may have acknowledged offsets missing
        -- here: a new epoch, as in publish.lua, so a client recovering from such an offset learns it cannot.
        epoch = ARGV[6]
        top = 0
        redis.call('hset', meta_key, 'e', epoch, 's', 0, 'm', master, 'pm', meta[3])
        redis.call('del', stream_key)
    else
        -- A restart from this server's own persistence (see publish.lua): the stream is what it kept.
        redis.call('hset', meta_key, 'm', master, 'pm', meta[3] or '')
    end
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
