-- req.lua -- the wrk driver of bench/run: every endpoint, the ceiling
-- included, goes through this same script, so the client does the same work
-- per request whatever the target.
--
--   BENCH_WRK_OUT=FILE wrk -t1 -c32 -d5s --latency -s bench/req.lua URL -- REQFILE
--
-- REQFILE holds one request a line, four tab-separated fields:
--   METHOD  PATH  TOKEN  BODY
-- TOKEN "-" sends no Authorization header, BODY "-" no body.  The requests
-- are formatted once at start and sent round-robin (each connection takes
-- the next one), so a pool of workers or sessions spreads the writes.
--
-- done() writes one line of key=value figures to $BENCH_WRK_OUT (or stdout):
--   requests duration_us rps p50_us p90_us p99_us max_us
--   connect_err read_err write_err timeout_err non2xx
-- Latencies are wrk's per-request figures, in microseconds.

local reqs = {}
local n = 0
local i = 0

local function split_tabs(line)
	local f = {}
	for field in (line .. "\t"):gmatch("([^\t]*)\t") do
		f[#f + 1] = field
	end
	return f
end

function init(args)
	local path = args[1]
	if path == nil then
		error("req.lua: usage: -- REQFILE")
	end
	local fh = assert(io.open(path, "r"))
	for line in fh:lines() do
		if line ~= "" and line:sub(1, 1) ~= "#" then
			local f = split_tabs(line)
			local method, p, token, body = f[1], f[2], f[3], f[4]
			local headers = { ["User-Agent"] = "rensei-bench" }
			if token ~= nil and token ~= "-" and token ~= "" then
				headers["Authorization"] = "Bearer " .. token
			end
			if body == "-" or body == "" then
				body = nil
			else
				headers["Content-Type"] = "application/json"
			end
			n = n + 1
			reqs[n] = wrk.format(method, p, headers, body)
		end
	end
	fh:close()
	if n == 0 then
		error("req.lua: no requests in " .. path)
	end
end

function request()
	i = i % n + 1
	return reqs[i]
end

function done(summary, latency, requests)
	-- done() runs in the main Lua state, which never saw init(): read the
	-- output path from the environment bench/run sets.
	local out = os.getenv("BENCH_WRK_OUT")
	local e = summary.errors
	local secs = summary.duration / 1e6
	local line = string.format(
	    "requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
	    "connect_err=%d read_err=%d write_err=%d timeout_err=%d non2xx=%d\n",
	    summary.requests, summary.duration, summary.requests / secs,
	    latency:percentile(50), latency:percentile(90), latency:percentile(99),
	    latency.max, e.connect, e.read, e.write, e.timeout, e.status)
	if out ~= nil and out ~= "" then
		local fh = assert(io.open(out, "w"))
		fh:write(line)
		fh:close()
	else
		io.write(line)
	end
end
