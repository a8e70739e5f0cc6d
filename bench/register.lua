-- register.lua -- registers bench/run's pool of workers through the real
-- endpoint (POST /api/workers/register), as fast as wrk can.
--
--   BENCH_TOKEN=rsp_live_… BENCH_CAPACITY=N BENCH_WANT=N BENCH_REG_OUT=FILE \
--   wrk -t1 -c8 -d60s -s bench/register.lua URL
--
-- Each 201 appends "workerId<TAB>runtimeToken" to BENCH_REG_OUT; the thread
-- stops sending once BENCH_WANT workers are written (a few more may land
-- from requests already in flight: bench/run uses the first BENCH_WANT
-- lines). wrk itself still waits out its -d: bench/run ends it by its pid
-- when the file is long enough.
-- Any other status is written to BENCH_REG_OUT.err with its body (20 of
-- them stop the thread too).

local want, got, bad, seq = 0, 0, 0, 0
local capacity = "2000000000"
local out, err

function init(args)
	want = tonumber(os.getenv("BENCH_WANT") or "64")
	local token = assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN unset")
	capacity = os.getenv("BENCH_CAPACITY") or capacity
	local path = assert(os.getenv("BENCH_REG_OUT"), "BENCH_REG_OUT unset")
	out = assert(io.open(path, "a"))
	err = assert(io.open(path .. ".err", "a"))
	wrk.method = "POST"
	wrk.path = "/api/workers/register"
	wrk.headers["Authorization"] = "Bearer " .. token
	wrk.headers["Content-Type"] = "application/json"
	wrk.headers["User-Agent"] = "rensei-bench"
end

function request()
	seq = seq + 1
	return wrk.format(nil, nil, nil, string.format(
	    '{"hostname":"bench-%d","capacity":%s,"version":"bench"}', seq, capacity))
end

function response(status, headers, body)
	if status == 201 then
		local id = body:match('"workerId":"([^"]+)"')
		local tok = body:match('"runtimeToken":"([^"]+)"')
		if id and tok then
			out:write(id, "\t", tok, "\n")
			got = got + 1
		end
	else
		err:write(status, " ", body, "\n")
		bad = bad + 1
	end
	-- Enough workers, or the endpoint plainly refuses: stop.
	if got >= want or bad >= 20 then
		out:flush()
		err:flush()
		wrk.thread:stop()
	end
end
