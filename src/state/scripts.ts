/**
 * The Lua scripts Redis runs for Nexus. Each is one atomic step, so two instances can never both
 * take the last token of a bucket. Times come from Redis (`TIME`), not from the instances, whose
 * clocks may differ. The bucket arithmetic is token-bucket.ts's, in the same whole units.
 * Every key a script writes gets an expiry except the key registry (`nexus:keys*`), which is the
 * instances' shared copy of their keys files.
 * @module
 */
import type { RedisScript } from "../runtime/mod.ts";

/** Redis time in whole milliseconds, and a bucket's level at that time. */
const PRELUDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local U = 60000
local function level(key, cap)
  local v = redis.call('HMGET', key, 'l', 'a')
  if not v[1] then return cap * U end
  local elapsed = now - tonumber(v[2])
  if elapsed < 0 then elapsed = 0 end
  return math.min(cap * U, tonumber(v[1]) + elapsed * cap)
end
local function store(key, lvl, cap)
  redis.call('HSET', key, 'l', lvl, 'a', now)
  redis.call('PEXPIRE', key, math.max(1000, math.ceil((cap * U - lvl) / cap) + 1000))
end
`;

/**
 * May this request start? KEYS: live key hashes, requests bucket, tokens bucket, leases.
 * ARGV: name, hash, rpm, tpm, concurrency (-1: no limit), estimate, lease, lease ms.
 * Returns {refusal, retry ms, requests level, tokens level}: refusal 0 = admitted (and charged),
 * 1 concurrency, 2 requests, 3 tokens, -1 the key is not live (revoked on some instance).
 */
export const ADMIT: RedisScript = {
  name: "admit",
  source: PRELUDE + `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return {-1, 0, 0, 0} end
local rpm, tpm, conc = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local est, leaseMs = tonumber(ARGV[6]), tonumber(ARGV[8])
local rl, tl, running = 0, 0, 0
if rpm >= 0 then rl = level(KEYS[2], rpm) end
if tpm >= 0 then tl = level(KEYS[3], tpm) end
if conc >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
  running = redis.call('ZCARD', KEYS[4])
end
if conc >= 0 and running >= conc then return {1, 1000, rl, tl} end
if rpm >= 0 and rl < math.min(1, rpm) * U then
  return {2, math.ceil((math.min(1, rpm) * U - rl) / rpm), rl, tl}
end
if tpm >= 0 and tl < math.min(est, tpm) * U then
  return {3, math.ceil((math.min(est, tpm) * U - tl) / tpm), rl, tl}
end
if rpm >= 0 then rl = rl - U; store(KEYS[2], rl, rpm) end
if tpm >= 0 then tl = tl - est * U; store(KEYS[3], tl, tpm) end
if conc >= 0 then
  redis.call('ZADD', KEYS[4], now + leaseMs, ARGV[7])
  redis.call('PEXPIRE', KEYS[4], leaseMs)
end
return {0, 0, rl, tl}
`,
};

/**
 * A request ended. KEYS: tokens bucket, leases. ARGV: tpm (-1: none), tokens to give back
 * (estimate − used; negative charges more), lease.
 */
export const END: RedisScript = {
  name: "end",
  source: PRELUDE + `
redis.call('ZREM', KEYS[2], ARGV[3])
local tpm, back = tonumber(ARGV[1]), tonumber(ARGV[2])
if tpm >= 0 and back ~= 0 then
  store(KEYS[1], math.min(tpm * U, level(KEYS[1], tpm) + back * U), tpm)
end
return 1
`,
};

/** Long requests keep their leases. KEYS: leases sets; ARGV: lease ms, then one lease per key. */
export const RENEW: RedisScript = {
  name: "renew",
  source: PRELUDE + `
local leaseMs = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + leaseMs, ARGV[i + 1])
  redis.call('PEXPIRE', key, leaseMs)
end
return #KEYS
`,
};

/**
 * Stores a key record unless Redis holds a newer one (by updated_at). KEYS: records, live
 * hashes, revision. ARGV: name, record JSON, live hash ("" when not usable), updated_at.
 * Returns the record Redis keeps.
 */
export const UPSERT_KEY: RedisScript = {
  name: "upsert_key",
  source: `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  if old == ARGV[2] then return old end
  local ok, rec = pcall(cjson.decode, old)
  if ok and type(rec) == 'table' and type(rec.updated_at) == 'string' and rec.updated_at > ARGV[4] then
    return old
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) else redis.call('HDEL', KEYS[2], ARGV[1]) end
redis.call('INCR', KEYS[3])
return ARGV[2]
`,
};
