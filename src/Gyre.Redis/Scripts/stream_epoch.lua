-- Shared by publish.lua and history.lua (RedisScripts puts it in front of each): settles a stream's epoch against
-- the identity of the master the script runs on.
--
-- meta_key          stream meta hash: "e" = epoch, "s" = top offset, "m" = master the epoch was written on, "pm" = the one before
-- new_epoch         epoch to use when the stream has none yet, or when a failover starts a new one
-- master            identity of the master this runs on (its replication id), "" when unknown
-- previous_master   the replication id it had before (master_replid2): after a promotion, the old master's
-- Returns           epoch, top offset ("s" as stored, nil when none), and true when a failover started a new epoch
local function settle_epoch(meta_key, new_epoch, master, previous_master)
    local meta = redis.call('hmget', meta_key, 'e', 's', 'm', 'pm')
    local epoch, top, written_on, written_before = meta[1], meta[2], meta[3], meta[4]
    if not epoch then
        redis.call('hset', meta_key, 'e', new_epoch)
        if master ~= '' then
            redis.call('hset', meta_key, 'm', master)
        end
        return new_epoch, top, false
    end
    if master ~= '' and master ~= written_on and master ~= written_before then
        if written_on and written_on == previous_master then
            -- This master was a replica of the one that wrote the meta (a failover): replication is asynchronous,
            -- so offsets that master acknowledged may be missing here and would be handed out again with other
            -- data. A new epoch makes every client position from before visibly unrecoverable instead.
            redis.call('hset', meta_key, 'e', new_epoch, 's', 0, 'm', master, 'pm', written_on)
            return new_epoch, 0, true
        end
        -- The same data under a new id: a restart from this server's own persistence, which kept what its fsync
        -- policy promised (everything with appendfsync always), or meta from before identities. Clients recover.
        redis.call('hset', meta_key, 'm', master, 'pm', written_on or '')
    end
    return epoch, top, false
end

