#!/usr/bin/env python3
"""Issue 28's fleet test: three `abtop serve` replicas behind nginx, sharing PostgreSQL and Redis.

Run by Tests/Fleet/run.sh, which starts PostgreSQL and Redis on loopback (scripts/fleet-services.sh) and stops them
afterwards. What it shows, each a check a broken fleet fails:

1. 10,000 invocations through the load balancer split 80/20 within 3 sigma across the fleet;
2. a PUT .../config to one replica moves the split on all three within a second (and the traffic follows);
3. an endpoint-wide limit of N calls a minute admits N across the fleet (plus what refilled meanwhile), not 3N;
4. the PostgreSQL journal holds every answered request exactly once, and `kill -9` of a replica under load loses
   only what it had in flight: every request a client was answered is there after the replica restarts;
5. PostgreSQL down: the replicas keep answering, spool, say so in /metrics, and ship it all when it returns;
4b. one guarded rollout for the whole fleet: started on any replica, run by one leader on the fleet's traffic,
    its moves reaching every replica, through every step to 100 %;
6. Redis down: the replicas keep serving on their last state and their share of each limit, say so, and when
   Redis comes back empty they publish their state again and a PUT reaches the whole fleet again.
"""
import http.client
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ABTOP = os.environ["ABTOP"]
DIR = os.environ["FLEET_DIR"]
PG = os.environ["ABTOP_TEST_PG"]
REDIS = os.environ["ABTOP_TEST_REDIS"]
PG_BIN = os.environ["PG_BIN"]
SERVICES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../scripts/fleet-services.sh")
children = []


def services(action):
    subprocess.run([SERVICES, action, DIR], check=True)


def metric(port, name):
    """The value of a /metrics line starting with name (one replica-labelled gauge or counter)."""
    status, _, body = request(port, "GET", "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def entity(name, model):
    return {"name": name, "external_model": {"name": model, "provider": "openai", "task": "llm/v1/chat",
                                             "openai_config": {"openai_api_key": "{{secrets/llm/openai_api_key}}"}}}


def endpoint_config(name, weights, limit=None):
    config = {"name": name, "config": {
        "served_entities": [entity("a", "gpt-4o"), entity("b", "gpt-4o-mini")],
        "traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": weights[0]},
                                      {"served_model_name": "b", "traffic_percentage": weights[1]}]}}}
    if limit:
        config["ai_gateway"] = {"rate_limits": [{"calls": limit, "key": "endpoint", "renewal_period": "minute"}]}
    return config


def psql(sql):
    out = subprocess.run([PG_BIN + "/psql", PG, "-At", "-c", sql], check=True, capture_output=True, text=True)
    return [line.split("|") for line in out.stdout.splitlines() if line]


class Replica:
    def __init__(self, i, config_path):
        self.name = f"r{i}"
        self.port = free_port()
        self.config_path = config_path
        self.proc = None

    def start(self, data=None):
        log = open(os.path.join(DIR, f"{self.name}.log"), "a")
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(DIR, data or self.name))
        self.proc = subprocess.Popen(
            [ABTOP, "serve", self.config_path, "--simulate", "--profile", "fast", "--headless", "--quiet",
             "--port", str(self.port), "--replica", self.name, "--store", PG, "--fleet", REDIS,
             "--spool-keep", "1000"],
            env=env, stdout=log, stderr=log)
        children.append(self.proc)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def request(port, method, path, body=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body) if body is not None else None
        conn.request(method, path, body=data, headers={"content-type": "application/json"})
        r = conn.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
    finally:
        conn.close()


def wait_until(check, what, limit=120):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            if check():
                return
        except (OSError, http.client.HTTPException, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {limit} s waiting for {what}")


def split_of(port, name):
    status, _, body = request(port, "GET", f"/api/2.0/serving-endpoints/{name}")
    assert status == 200, (status, body)
    routes = json.loads(body)["config"]["traffic_config"]["routes"]
    return [r["traffic_percentage"] for r in routes]


INVOKE = {"messages": [{"role": "user", "content": "hello fleet"}], "max_tokens": 4}


def invoke_many(port, name, n, workers=12, stop=None):
    """Sends n invocations over keep-alive connections; (status, served entity, request id) of each."""
    results = []
    lock = threading.Lock()
    counter = iter(range(n))

    def worker():
        conn = None
        mine = []
        while True:
            with lock:
                i = next(counter, None)
            if i is None or (stop is not None and stop.is_set()):
                break
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("POST", f"/serving-endpoints/{name}/invocations", body=json.dumps(INVOKE),
                             headers={"content-type": "application/json"})
                r = conn.getresponse()
                r.read()
                mine.append((r.status, r.getheader("served-model-name"), r.getheader("x-request-id")))
                if r.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                mine.append((0, None, None))
                if conn is not None:
                    conn.close()
                conn = None
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def start_nginx(replicas):
    port = free_port()
    servers = "\n".join(f"        server 127.0.0.1:{r.port} max_fails=0;" for r in replicas)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = f"""
{user}
worker_processes 1;
daemon off;
pid {DIR}/nginx.pid;
error_log {DIR}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {DIR}/nginx-body;
    proxy_temp_path {DIR}/nginx-proxy;
    upstream abtop {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://abtop;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # serve answers only to its own (loopback) names: the client's Host, not the upstream's name.
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""
    path = os.path.join(DIR, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    proc = subprocess.Popen(["nginx", "-c", path, "-p", DIR], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(DIR, "nginx.log"), "a"))
    children.append(proc)
    return port


def check_journal(answered, when):
    """Every answered request is in the PostgreSQL journal exactly once (waiting for the spools to ship)."""
    ids = [r[2] for r in answered]
    assert len(set(ids)) == len(ids), "a request id was answered twice"
    path = os.path.join(DIR, "answered.txt")
    with open(path, "w") as f:
        f.write("\n".join(ids) + "\n")
    os.chmod(path, 0o644)
    query = ("CREATE TEMP TABLE answered (id text PRIMARY KEY); "
             f"COPY answered FROM '{path}'; "
             "SELECT COUNT(*) FROM answered a WHERE NOT EXISTS "
             "(SELECT 1 FROM request r WHERE r.prompt_id = a.id AND r.is_fallback = 0)")
    last = (None, time.time())
    while True:
        missing = int(psql(query)[-1][0])
        if missing == 0:
            break
        if missing != last[0]:
            last = (missing, time.time())
        elif time.time() - last[1] > 20:
            raise AssertionError(f"{when}: {missing} answered requests are not in the PostgreSQL journal")
        time.sleep(0.25)
    twice = psql("SELECT COUNT(*) FROM (SELECT prompt_id FROM request WHERE is_fallback = 0 "
                 "GROUP BY prompt_id HAVING COUNT(*) > 1) d")
    total = psql("SELECT COUNT(*) FROM request WHERE is_fallback = 0")
    print(f"   journal {when}: {total[0][0]} requests; all {len(ids)} answered are there; {twice[0][0]} written twice")
    assert twice[0][0] == "0", "requests were written twice"


def main():
    config_path = os.path.join(DIR, "fleet.json")
    with open(config_path, "w") as f:
        json.dump(endpoint_config("fleet", (80, 20)), f)
    replicas = [Replica(i, config_path) for i in (1, 2, 3)]
    for r in replicas:
        r.start()
    for r in replicas:
        wait_until(lambda r=r: request(r.port, "GET", "/api/2.0/serving-endpoints/fleet")[0] == 200,
                   f"replica {r.name}")
    lb = start_nginx(replicas)
    wait_until(lambda: request(lb, "GET", "/api/2.0/serving-endpoints/fleet")[0] == 200, "nginx")
    answered = []

    # 1. 10,000 invocations split 80/20 across the fleet.
    t0 = time.time()
    results = invoke_many(lb, "fleet", 10_000)
    elapsed = time.time() - t0
    ok = [r for r in results if r[0] == 200]
    assert len(ok) == 10_000, f"{10_000 - len(ok)} of 10,000 invocations failed: {set(r[0] for r in results)}"
    answered += ok
    share = sum(1 for r in ok if r[1] == "a") / len(ok)
    sigma = math.sqrt(0.8 * 0.2 / len(ok))
    print(f"1. 10,000 invocations in {elapsed:.1f} s through nginx: a {share:.4f} (80/20 ± 3σ = ±{3 * sigma:.4f})")
    assert abs(share - 0.8) <= 3 * sigma, f"share of a {share:.4f} is not within 3 sigma of 0.8"
    per_replica = psql("SELECT replica, COUNT(*) FROM request GROUP BY replica ORDER BY replica")
    print(f"   requests per replica (journal, so far): {per_replica}")

    # 2. A PUT .../config to one replica moves the split on all three within a second.
    body = {"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 50},
                                          {"served_model_name": "b", "traffic_percentage": 50}]}}
    t0 = time.time()
    status, _, text = request(replicas[0].port, "PUT", "/api/2.0/serving-endpoints/fleet/config", body)
    assert status == 200, (status, text)
    moved = {}
    while len(moved) < 3 and time.time() - t0 < 10:
        for r in replicas:
            if r.name not in moved and split_of(r.port, "fleet") == [50, 50]:
                moved[r.name] = time.time() - t0
        time.sleep(0.02)
    print(f"2. PUT to {replicas[0].name}: 50/50 seen after " + ", ".join(f"{k} {v * 1000:.0f} ms"
                                                                     for k, v in sorted(moved.items())))
    assert len(moved) == 3 and max(moved.values()) <= 1.0, f"not every replica moved within a second: {moved}"
    results = invoke_many(lb, "fleet", 2_000)
    ok = [r for r in results if r[0] == 200]
    answered += ok
    share = sum(1 for r in ok if r[1] == "a") / len(ok)
    sigma = math.sqrt(0.25 / len(ok))
    print(f"   then 2,000 invocations: a {share:.4f} (50/50 ± 3σ = ±{3 * sigma:.4f})")
    assert len(ok) == 2_000 and abs(share - 0.5) <= 3 * sigma

    # 3. An endpoint-wide limit of N calls a minute admits N across the fleet, not 3N.
    n = 60
    status, _, text = request(replicas[1].port, "POST", "/api/2.0/serving-endpoints", endpoint_config("limited", (50, 50), n))
    assert status == 200, (status, text)
    wait_until(lambda: all(request(r.port, "GET", "/api/2.0/serving-endpoints/limited")[0] == 200 for r in replicas),
               "the limited endpoint on every replica", limit=10)
    t0 = time.time()
    results = invoke_many(lb, "limited", 3 * n, workers=6)
    elapsed = time.time() - t0
    admitted = sum(1 for r in results if r[0] == 200)
    refused = sum(1 for r in results if r[0] == 429)
    answered += [r for r in results if r[0] == 200]
    refill = n * elapsed / 60
    print(f"3. limit {n}/min, {3 * n} calls in {elapsed:.1f} s: {admitted} admitted, {refused} refused "
          f"(allowed: {n} + {refill:.1f} refilled)")
    assert admitted + refused == 3 * n, set(r[0] for r in results)
    assert n <= admitted <= n + math.ceil(refill) + 1, f"{admitted} admitted for a limit of {n}"

    # 4a. One view of the fleet: `abtop watch --fleet` replays every replica's batches into one session, whose
    #     counts are the journal's, to the request.
    status, _, text = request(replicas[2].port, "POST", "/api/2.0/serving-endpoints", endpoint_config("watched", (70, 30)))
    assert status == 200, (status, text)
    wait_until(lambda: all(request(r.port, "GET", "/api/2.0/serving-endpoints/watched")[0] == 200 for r in replicas),
               "the watched endpoint on every replica", limit=10)
    results = invoke_many(lb, "watched", 3_000)
    ok = [r for r in results if r[0] == 200]
    assert len(ok) == 3_000
    answered += ok
    def watched_journal():
        return dict((name, int(n)) for name, n in psql(
            "SELECT e.name, COUNT(*) FROM request r JOIN session s ON s.id = r.session_id "
            "JOIN entity e ON e.session_id = s.id AND e.idx = r.entity "
            "WHERE s.endpoint = 'watched' AND r.is_fallback = 0 GROUP BY e.name"))

    # Each replica sends its batch once a second and ships its rows every 200 ms: wait for both, however slow.
    wait_until(lambda: sum(watched_journal().values()) == 3_000, "the journal to hold the watched requests", 60)
    view = {}

    def view_complete():
        nonlocal view
        view = json.loads(subprocess.run(
            [ABTOP, "watch", "--fleet", REDIS, "--endpoint", "watched", "--json", "--for", "0"],
            check=True, capture_output=True, text=True).stdout)
        return view["requests"] == 3_000

    wait_until(view_complete, "the fleet's view to hold the watched requests", 60)
    counts = {e["name"]: e["requests"] for e in view["entities"]}
    journal = watched_journal()
    print(f"4a. abtop watch --fleet: {view['requests']} requests from {view['replicas']} "
          f"({counts}); the journal: {journal}")
    assert view["requests"] == 3_000, view["requests"]
    assert sorted(view["replicas"]) == ["r1", "r2", "r3"], view["replicas"]
    assert counts == journal, (counts, journal)
    share = counts["a"] / 3_000
    assert abs(share - 0.7) <= 3 * math.sqrt(0.21 / 3_000), share
    assert not any(s.get("flagged") for s in view["srm"]), view["srm"]

    # 4a'. The fleet's dashboard in a real terminal (tmux): every replica named, and a slider moved there moves
    #      the split of every replica.
    sock = f"abtop-fleet-{os.getpid()}"

    def tmux(*args):
        return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True, check=True).stdout

    tmux("new-session", "-d", "-x", "120", "-y", "40", "-e", "LANG=C.UTF-8", "-s", "watch",
         ABTOP, "watch", "--fleet", REDIS, "--endpoint", "watched")
    try:
        wait_until(lambda: "fleet of 3: r1, r2, r3" in tmux("capture-pane", "-t", "watch", "-p"),
                   "the fleet's dashboard naming its three replicas", limit=60)
        screen = tmux("capture-pane", "-t", "watch", "-p")
        assert "watched" in screen and "REQS" in screen and "▶ a" in screen, screen
        tmux("send-keys", "-t", "watch", "PPage")  # the selected entity (a, 70 %) up 5 %
        wait_until(lambda: all(split_of(r.port, "watched") == [75, 25] for r in replicas),
                   "75/25 on every replica after a slider moved on the fleet's dashboard", limit=30)
        print("4a'. abtop watch --fleet in tmux: r1, r2, r3 on screen; PgUp on a's slider → 75/25 on every replica")
        tmux("send-keys", "-t", "watch", "q")
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)

    # 4b. One rollout for the fleet: asked of one replica, led by one, read from any, moving every replica's split.
    ramp = {"name": "ramp", "config": {
        "served_entities": [entity("base", "gpt-4o"), entity("cand", "gpt-4o-mini")],
        "traffic_config": {"routes": [{"served_model_name": "base", "traffic_percentage": 100},
                                      {"served_model_name": "cand", "traffic_percentage": 0}]}},
        "abtop": {"retries": {"max": 0}, "breaker": {"failures": 0, "cooldown_s": 1}}}
    status, _, text = request(replicas[1].port, "POST", "/api/2.0/serving-endpoints", ramp)
    assert status == 200, (status, text)
    wait_until(lambda: all(request(r.port, "GET", "/api/2.0/serving-endpoints/ramp")[0] == 200 for r in replicas),
               "the ramp endpoint on every replica", limit=10)
    plan = {"baseline": "base", "candidate": "cand", "steps": [10, 50, 100], "min_step_s": 0,
            "min_step_requests": 30, "guardrails": {"error_rate": 0.1, "latency_p95": 2}}
    status, _, text = request(replicas[2].port, "POST", "/api/2.0/serving-endpoints/ramp/rollout", plan)
    assert status == 200, (status, text)
    assert json.loads(text)["percentage"] == 10, text
    t0 = time.time()
    wait_until(lambda: all(split_of(r.port, "ramp") == [90, 10] for r in replicas), "90/10 on every replica", limit=5)
    print(f"4b. rollout asked of {replicas[2].name}: 90/10 on every replica after {time.time() - t0:.2f} s")
    again, _, text = request(replicas[0].port, "POST", "/api/2.0/serving-endpoints/ramp/rollout", plan)
    assert again == 409, (again, text)  # one rollout per endpoint, wherever it is asked
    sent = 0
    while sent < 20_000:
        state = json.loads(request(replicas[sent // 300 % 3].port, "GET", "/api/2.0/serving-endpoints/ramp/rollout")[2])
        if state["phase"] != "ramping":
            break
        results = invoke_many(lb, "ramp", 300, workers=6)
        answered += [r for r in results if r[0] == 200]
        sent += 300
    moves = [m["kind"] for m in state["moves"]]
    leader = subprocess.run(["redis-cli", "-p", os.environ["REDIS_PORT"], "GET", "abtop:lead:rollout:ramp"],
                            capture_output=True, text=True).stdout.strip()
    journaled = psql("SELECT DISTINCT s.replica FROM rollout o JOIN session s ON s.id = o.session_id "
                     "WHERE o.endpoint = 'ramp'")
    print(f"    {state['phase']} after {sent} invocations: moves {moves}, led by {leader}, journaled by {journaled}")
    assert state["phase"] == "completed" and moves == ["start", "advance", "complete"], state
    wait_until(lambda: all(split_of(r.port, "ramp") == [0, 100] for r in replicas), "0/100 on every replica", limit=30)
    assert journaled == [[leader]], (journaled, leader)

    # 4c. The rollout's leader killed mid-rollout: another replica takes the lease and finishes it.
    ramp2 = json.loads(json.dumps(ramp))
    ramp2["name"] = "ramp2"
    status, _, text = request(replicas[0].port, "POST", "/api/2.0/serving-endpoints", ramp2)
    assert status == 200, (status, text)
    wait_until(lambda: all(request(r.port, "GET", "/api/2.0/serving-endpoints/ramp2")[0] == 200 for r in replicas),
               "the ramp2 endpoint on every replica", limit=10)
    slow_plan = dict(plan, min_step_requests=150)
    status, _, text = request(replicas[0].port, "POST", "/api/2.0/serving-endpoints/ramp2/rollout", slow_plan)
    assert status == 200, (status, text)

    def lease():
        return subprocess.run(["redis-cli", "-p", os.environ["REDIS_PORT"], "GET", "abtop:lead:rollout:ramp2"],
                              capture_output=True, text=True).stdout.strip()

    first_leader = lease()
    victim = next(r for r in replicas if r.name == first_leader)
    others = [r for r in replicas if r is not victim]
    victim.kill9()
    wait_until(lambda: lease() not in ("", first_leader), "another replica to take the rollout's lease", limit=30)
    second_leader = lease()
    sent = 0
    while sent < 20_000:
        state = json.loads(request(others[0].port, "GET", "/api/2.0/serving-endpoints/ramp2/rollout")[2])
        if state["phase"] != "ramping":
            break
        results = invoke_many(others[sent // 300 % 2].port, "ramp2", 300, workers=6)
        answered += [r for r in results if r[0] == 200]
        sent += 300
    moves = [m["kind"] for m in state["moves"]]
    print(f"4c. rollout leader {first_leader} killed: {second_leader} took over and it {state['phase']} "
          f"after {sent} more invocations (moves {moves})")
    assert state["phase"] == "completed" and moves[-1] == "complete" and "restart" in moves, state
    victim.start()
    wait_until(lambda: request(victim.port, "GET", "/api/2.0/serving-endpoints/ramp2")[0] == 200,
               f"{victim.name} restarted")

    # 4. kill -9 of one replica under load loses only its in-flight requests.
    stop = threading.Event()
    load = []

    def run_load():
        load.extend(invoke_many(lb, "fleet", 100_000, workers=8, stop=stop))

    loader = threading.Thread(target=run_load)
    loader.start()
    time.sleep(3)
    victim = replicas[2]
    victim.kill9()
    time.sleep(2)
    stop.set()
    loader.join()
    ok = [r for r in load if r[0] == 200]
    failed = len(load) - len(ok)
    answered += ok
    print(f"4. kill -9 {victim.name} under load: {len(ok)} answered, {failed} failed (in flight on {victim.name})")
    assert len(ok) > 1_000, "the load did not run"
    victim.start()
    wait_until(lambda: request(victim.port, "GET", "/api/2.0/serving-endpoints/fleet")[0] == 200,
               f"{victim.name} restarted")

    check_journal(answered, "after kill -9")

    # 5. PostgreSQL down: answers go on, rows wait in the spools, and all of them arrive when it returns.
    services("pg-stop")
    wait_until(lambda: all(metric(r.port, "abtop_journal_postgres_up") == 0 for r in replicas),
               "every replica to say PostgreSQL is down", limit=30)
    results = invoke_many(lb, "fleet", 1_000)
    ok = [r for r in results if r[0] == 200]
    assert len(ok) == 1_000, f"{1_000 - len(ok)} invocations failed while PostgreSQL was down"
    answered += ok
    services("pg-start")
    print("5. PostgreSQL stopped: 1,000 of 1,000 invocations answered meanwhile; restarted")
    check_journal(answered, "after PostgreSQL came back")

    # 6. Redis down: serving goes on with the last split and local limits; Redis back (empty): state republished.
    services("redis-stop")
    wait_until(lambda: all(metric(r.port, "abtop_fleet_connected") == 0 for r in replicas),
               "every replica to say Redis is down", limit=30)
    results = invoke_many(lb, "fleet", 600)
    ok = [r for r in results if r[0] == 200]
    share = sum(1 for r in ok if r[1] == "a") / max(1, len(ok))
    assert len(ok) == 600, f"{600 - len(ok)} invocations failed while Redis was down"
    answered += ok
    t0 = time.time()
    limited = invoke_many(lb, "limited", 3 * n, workers=6)
    refill = n * (time.time() - t0) / 60
    local_admitted = sum(1 for r in limited if r[0] == 200)
    answered += [r for r in limited if r[0] == 200]
    print(f"6. Redis stopped: 600 of 600 answered on the last split (a {share:.3f}); "
          f"limit {n}/min counted locally: {local_admitted} of {3 * n} admitted")
    # Each replica counts its third of the limit (fresh buckets, so up to N across the fleet), never 3N.
    assert local_admitted <= n + math.ceil(refill) + 3, f"{local_admitted} admitted with Redis down for a limit of {n}"
    services("redis-start")
    wait_until(lambda: all(metric(r.port, "abtop_fleet_connected") == 1 for r in replicas),
               "every replica to reconnect to Redis", limit=30)
    body = {"traffic_config": {"routes": [{"served_model_name": "a", "traffic_percentage": 70},
                                          {"served_model_name": "b", "traffic_percentage": 30}]}}
    t0 = time.time()
    status, _, text = request(replicas[1].port, "PUT", "/api/2.0/serving-endpoints/fleet/config", body)
    assert status == 200, (status, text)
    wait_until(lambda: all(split_of(r.port, "fleet") == [70, 30] for r in replicas),
               "70/30 on every replica after Redis came back", limit=5)
    print(f"   Redis restarted empty: a PUT to {replicas[1].name} reached all three in {time.time() - t0:.2f} s")
    assert time.time() - t0 <= 1.5
    # 7. A NUL from a client (or a provider) cannot be in PostgreSQL's text: the spool behind it must not stall. (The
    #    SQLite spool reads text as C strings, so the text ends at the NUL, as in any SQLite journal; a NUL that got
    #    through would arrive as U+FFFD.)
    status, headers, _ = request(lb, "POST", "/serving-endpoints/fleet/invocations",
                                 {"messages": [{"role": "user", "content": "nul\u0000byte"}], "max_tokens": 4})
    assert status == 200, status
    answered.append((200, headers.get("served-model-name"), headers.get("x-request-id")))
    check_journal(answered, "at the end")
    text = psql(f"SELECT text FROM prompt WHERE prompt_id = '{headers.get('x-request-id')}'")
    assert text and text[0][0] in ("nul", "nul\ufffdbyte"), text

    # 7b. Each spool keeps what PostgreSQL lacks and the last 1,000 requests (--spool-keep): bounded disk, and
    #     the journal above still holds everything exactly once.
    import glob
    import sqlite3
    for r in replicas[1:]:
        spool = glob.glob(os.path.join(DIR, r.name, "abtop", "spool-*.sqlite"))[0]
        kept = sqlite3.connect(spool).execute("SELECT COUNT(*) FROM request").fetchone()[0]
        shipped = int(psql(f"SELECT COUNT(*) FROM request WHERE replica = '{r.name}'")[0][0])
        print(f"7b. {r.name}'s spool keeps {kept} requests of the {shipped} PostgreSQL has")
        assert kept <= 1_000 + 1_000 + 500 and shipped > 5_000, (kept, shipped)

    # 8. The commands read the PostgreSQL journal: every replica's sessions, and a report of one of them.
    out = subprocess.run([ABTOP, "sessions", "--store", PG], check=True, capture_output=True, text=True).stdout
    sessions = psql("SELECT id, replica FROM session ORDER BY id")
    assert {r for _, r in sessions} == {"r1", "r2", "r3"}, sessions
    listed = {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
    assert listed == {i for i, _ in sessions}, (listed, sessions)
    first = sessions[0][0]
    report = subprocess.run([ABTOP, "report", first, "--store", PG, "--format", "json"], check=True,
                            capture_output=True, text=True).stdout
    requests = int(psql(f"SELECT COUNT(*) FROM request WHERE session_id = {first} AND is_fallback = 0 "
                        "AND error_kind IS DISTINCT FROM 'cancelled'")[0][0])
    total = json.loads(report)["requests"]
    print(f"7. abtop sessions lists {len(sessions)} sessions of r1, r2, r3; report {first}: {total} requests "
          f"(journal: {requests})")
    assert total == requests, (total, requests)
    # 9. A second spool under a replica's name (a lost disk, a copy) is refused, never read as the first one's rows.
    replicas[0].proc.send_signal(signal.SIGTERM)
    replicas[0].proc.wait(timeout=60)
    impostor = Replica(1, config_path)
    impostor.start(data="r1-new-disk")
    log = os.path.join(DIR, "r1.log")
    wait_until(lambda: "already shipped rows from another spool" in open(log).read(), "the second spool's refusal", 60)
    print("9. a new spool under the name r1: refused (its rows stay in it, nothing mixed into r1's)")

    print("fleet test passed")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in children:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in children:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
