"""Runs a command in a real pseudo-terminal and answers its prompts: argv[1] is JSON
{"argv": [...], "answers": [[prompt, text], ...]}. Prints JSON {"output": ..., "code": ...}."""
import json, os, pty, select, sys, time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execv(spec["argv"][0], spec["argv"])
output = b""
deadline = time.time() + 60

def read_some(timeout):
    global output
    ready, _, _ = select.select([fd], [], [], timeout)
    if not ready:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        return None
    if not data:
        return None
    output += data
    return True

for prompt, text in spec["answers"]:
    while prompt.encode() not in output and time.time() < deadline:
        if read_some(1) is None:
            break
    os.write(fd, text.encode() + b"\r")
    time.sleep(0.2)
while time.time() < deadline:
    if read_some(1) is None:
        break
_, status = os.waitpid(pid, 0)
print(json.dumps({"output": output.decode("utf-8", "replace"), "code": os.waitstatus_to_exitcode(status)}))
