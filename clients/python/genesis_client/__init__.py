"""Python client for the Genesis server (`genesis serve`).

Sign in (password and TOTP code, or an API token), create campaigns, run
ask/tell loops for experiments done by hand or by instruments, follow
progress, and fetch trials as dicts or a pandas DataFrame.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

import httpx

__all__ = ["Client", "Campaign", "GenesisError"]
__version__ = "0.1.0"


class GenesisError(Exception):
    """An error answer of the server: HTTP status, stable code, message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _raise_for(resp: httpx.Response) -> None:
    if resp.is_success:
        return
    try:
        body = resp.json()
        code, message = body.get("code", "error"), body.get("message", resp.text)
    except ValueError:
        code, message = "error", resp.text
    raise GenesisError(resp.status_code, code, message)


class Client:
    """A connection to one Genesis server with one credential.

    `verify` is passed to httpx: False, or the path of a CA/self-signed
    certificate (e.g. WORKSPACE/tls/self-signed.pem).
    """

    def __init__(self, url: str, token: Optional[str] = None, *, verify: Union[bool, str] = True,
                 timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.token = token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=self.url, headers=headers, verify=verify, timeout=timeout)

    @classmethod
    def login(cls, url: str, user: str, password: str, code: Optional[str] = None, *,
              verify: Union[bool, str] = True, timeout: float = 30.0) -> "Client":
        """Signs in with a password (and the TOTP code, if the account has MFA)."""
        anonymous = cls(url, verify=verify, timeout=timeout)
        body: Dict[str, Any] = {"user": user, "password": password}
        if code is not None:
            body["code"] = code
        session = anonymous._request("POST", "/api/v1/auth/login", json=body)
        anonymous.close()
        return cls(url, session["token"], verify=verify, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self._http.request(method, path, **kwargs)
        _raise_for(resp)
        if resp.headers.get("content-type", "").startswith("application/json"):
            return resp.json()
        return resp.text

    # -- server and account ------------------------------------------------
    def health(self) -> Dict[str, Any]:
        return self._request("GET", "/api/v1/health")

    def logout(self) -> None:
        self._request("POST", "/api/v1/auth/logout")

    def create_token(self, project: str, role: str, label: str,
                     expires_in_days: Optional[float] = None) -> Dict[str, Any]:
        """An API token for one project and role; the secret is in `token` (shown once)."""
        body: Dict[str, Any] = {"project": project, "role": role, "label": label}
        if expires_in_days is not None:
            body["expires_in_days"] = expires_in_days
        return self._request("POST", "/api/v1/tokens", json=body)

    def tokens(self) -> List[Dict[str, Any]]:
        return self._request("GET", "/api/v1/tokens")["tokens"]

    def revoke_token(self, token_id: int) -> None:
        self._request("DELETE", f"/api/v1/tokens/{token_id}")

    def projects(self) -> List[Dict[str, Any]]:
        """The projects you have a role in, with their members."""
        return self._request("GET", "/api/v1/projects")["projects"]

    # -- administration (site administrators; `grant` for project owners) ----
    def create_project(self, name: str) -> Dict[str, Any]:
        return self._request("POST", "/api/v1/projects", json={"name": name})

    def create_user(self, name: str, admin: bool = False, totp: bool = False) -> Dict[str, Any]:
        """A new user: the one-time `password` (and `totp_uri` when enrolled)."""
        return self._request("POST", "/api/v1/users", json={"name": name, "admin": admin, "totp": totp})

    def users(self) -> List[Dict[str, Any]]:
        return self._request("GET", "/api/v1/users")["users"]

    def grant(self, project: str, user: str, role: str) -> Dict[str, Any]:
        """Gives `user` the `role` (viewer, editor, owner) in `project`."""
        return self._request("POST", f"/api/v1/projects/{project}/members", json={"user": user, "role": role})

    def alerts(self) -> List[Dict[str, Any]]:
        """Alerts raised by the server's audit detectors."""
        return self._request("GET", "/api/v1/alerts")["alerts"]

    # -- campaigns -----------------------------------------------------------
    def campaigns(self) -> List["Campaign"]:
        return [Campaign(self, c) for c in self._request("GET", "/api/v1/campaigns")["campaigns"]]

    def campaign(self, campaign_id: str) -> "Campaign":
        return Campaign(self, self._request("GET", f"/api/v1/campaigns/{campaign_id}"))

    def create_campaign(self, project: str, toml: Optional[str] = None,
                        campaign: Optional[Dict[str, Any]] = None) -> "Campaign":
        """Creates a campaign from a campaign file's text (`toml`) or the same
        structure as a dict (`campaign`). The server runs it unless it is manual."""
        if (toml is None) == (campaign is None):
            raise ValueError("give exactly one of toml= or campaign=")
        body = {"toml": toml} if toml is not None else {"campaign": campaign}
        return Campaign(self, self._request("POST", f"/api/v1/projects/{project}/campaigns", json=body))


Result = Union[Dict[str, float], str]


class Campaign:
    """One campaign on the server; `data` is its last fetched summary."""

    def __init__(self, client: Client, data: Dict[str, Any]):
        self.client = client
        self.data = data
        self.id: str = data["id"]

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.data.get('name')!r} {self.data.get('status')}>"

    @property
    def _path(self) -> str:
        return f"/api/v1/campaigns/{self.id}"

    def refresh(self) -> "Campaign":
        self.data = self.client._request("GET", self._path)
        return self

    @property
    def status(self) -> str:
        return self.data["status"]

    def best(self) -> Optional[Dict[str, Any]]:
        """The best feasible completed trial so far (refreshed)."""
        return self.refresh().data.get("best")

    def ask(self, count: int = 1) -> List[Dict[str, Any]]:
        """Proposes `count` experiments (a manual campaign): dicts with
        `index` and `params`."""
        return self.client._request("POST", f"{self._path}/ask", json={"count": count})["trials"]

    def tell(self, trial: int, outputs: Optional[Dict[str, float]] = None,
             failed: Optional[str] = None) -> Dict[str, Any]:
        """Records one result: measured `outputs`, or why it `failed`."""
        return self.tell_many({trial: outputs if failed is None else failed})

    def tell_many(self, results: Dict[int, Result]) -> Dict[str, Any]:
        """Records several results at once (all or none): trial index ->
        outputs dict, or a string saying why it failed."""
        items = []
        for index, result in results.items():
            if isinstance(result, str):
                items.append({"trial": int(index), "failed": result})
            else:
                items.append({"trial": int(index), "outputs": dict(result)})
        return self.client._request("POST", f"{self._path}/tell", json={"results": items})

    def trials(self) -> List[Dict[str, Any]]:
        return self.client._request("GET", f"{self._path}/trials")["trials"]

    def trials_frame(self) -> Any:
        """The trials as a pandas DataFrame: one row per trial, parameters and
        outputs as columns (needs pandas)."""
        import pandas as pd  # optional dependency

        rows = []
        for t in self.trials():
            row = {"index": t["index"], "status": t["status"]}
            row.update(t.get("params") or {})
            row.update(t.get("outputs") or {})
            row["failure_reason"] = t.get("failure_reason")
            rows.append(row)
        return pd.DataFrame(rows).set_index("index")

    def csv(self) -> str:
        return self.client._request("GET", f"{self._path}/export.csv")

    def prov(self) -> Dict[str, Any]:
        """The W3C PROV-JSON document of the campaign."""
        return self.client._request("GET", f"{self._path}/prov")

    def verify(self) -> Dict[str, Any]:
        return self.client._request("GET", f"{self._path}/verify")

    def cancel(self) -> None:
        self.client._request("POST", f"{self._path}/cancel")

    def events(self) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """Progress events `(event, campaign)` as they happen; the last is
        `end` when the campaign stops."""
        with self.client._http.stream("GET", f"{self._path}/events", timeout=None) as resp:
            if not resp.is_success:
                resp.read()
                _raise_for(resp)
            event = "message"
            for line in resp.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data = json.loads(line[5:].strip())
                    self.data = data
                    yield event, data
                    if event == "end":
                        return

    def wait(self) -> Dict[str, Any]:
        """Follows the progress events until the campaign ends; returns its
        final summary."""
        for _event, data in self.events():
            pass
        return self.data
