-- wrk script: each connection alternates ask (one proposal) and tell (its
-- result), so the pair measures a remote experimenter's round trip.
local pending = nil
local campaign = os.getenv("CAMPAIGN")

request = function()
  if pending == nil then
    return wrk.format("POST", "/api/v1/campaigns/" .. campaign .. "/ask",
      { ["Content-Type"] = "application/json" }, '{"count": 1}')
  end
  local body = string.format('{"results": [{"trial": %d, "outputs": {"y": 0.5}}]}', pending)
  pending = nil
  return wrk.format("POST", "/api/v1/campaigns/" .. campaign .. "/tell",
    { ["Content-Type"] = "application/json" }, body)
end

response = function(status, headers, body)
  local index = string.match(body, '"index":%s*(%d+)')
  if index ~= nil and string.find(body, '"trials"') then
    pending = tonumber(index)
  end
end
