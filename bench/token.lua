-- wrk script: POST /oauth2/token with client_credentials. AUTH is "Basic <base64>".
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=data%3Aread"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("AUTH")

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("| %-28s | %10.0f | %8.2f | %8.2f | %6d |\n", "client_credentials (ES256)",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
