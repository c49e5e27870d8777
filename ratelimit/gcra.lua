-- GCRA for several buckets at once, atomically: every bucket is checked, and
-- the new theoretical arrival times (TATs) are stored only if all admit the
-- request. Mirrors Memory.Allow in memory.go; keep them in step.
--
-- KEYS[i]      the bucket
-- ARGV[4i-3]   cost in µs (emission interval × N)
-- ARGV[4i-2]   emission interval in µs
-- ARGV[4i-1]   tau, the burst capacity in µs
-- ARGV[4i]     "1" to peek (decide without recording)
--
-- Time is the Redis server's, so the clocks of the nodes sharing it do not
-- matter. TATs are µs since the epoch, about 1.8e15: exact in a Lua double.
--
-- Returns {all, then per bucket: allowed, remaining, retry_after µs, reset µs}.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local n = #KEYS
local tat, nxt, ok, pending = {}, {}, {}, {}
local all = 1
for i = 1, n do
	local a = (i - 1) * 4
	local cost, interval, tau = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
	local k = KEYS[i]
	local cur = pending[k]
	if cur == nil then
		cur = tonumber(redis.call('GET', k)) or 0
	end
	tat[i] = cur
	cur = math.max(cur, now)
	nxt[i] = cur + cost
	if nxt[i] - now <= tau then
		ok[i] = 1
	else
		ok[i] = 0
		all = 0
	end
	if ARGV[a + 4] ~= '1' then
		pending[k] = nxt[i]
	end
end

local out = {all}
for i = 1, n do
	local a = (i - 1) * 4
	local interval, tau = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
	local state = tat[i]
	local retry = 0
	if all == 1 and ARGV[a + 4] ~= '1' then
		state = nxt[i]
		local ttl = math.ceil((state - now) / 1000)
		redis.call('SET', KEYS[i], string.format('%.0f', state), 'PX', string.format('%d', math.max(ttl, 1)))
	elseif ok[i] == 0 then
		retry = math.max(nxt[i] - tau - now, 0)
	end
	local debt = math.max(state - now, 0)
	local remaining = math.max(math.floor((tau - debt) / interval), 0)
	out[#out + 1] = ok[i]
	out[#out + 1] = remaining
	out[#out + 1] = retry
	out[#out + 1] = debt
end
return out
