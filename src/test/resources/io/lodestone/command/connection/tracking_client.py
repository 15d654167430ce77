"""redis-py's client-side caching of redis-py 4 (Debian's python3-redis): a RESP2 connection tracks
the keys it reads, with its invalidations redirected to a second connection subscribed to
__redis__:invalidate, and a local dict evicts what the server invalidates. Prints one line per step:
  read <key> <value> <hit|miss>      a read through the cache
  invalidated <key>...                an invalidation message (null for a flush)
Usage: tracking_client.py PORT"""
import sys
import time

import redis

port = int(sys.argv[1])
data = redis.Redis(host='127.0.0.1', port=port, socket_timeout=10)
other = redis.Redis(host='127.0.0.1', port=port, socket_timeout=10)
inval = redis.Redis(host='127.0.0.1', port=port, socket_timeout=10, client_name='invalidations')
pubsub = inval.pubsub()
pubsub.subscribe('__redis__:invalidate')
assert pubsub.get_message(timeout=5)['type'] == 'subscribe'
# A subscribed RESP2 connection cannot run CLIENT ID: it is found by its name.
inval_id = next(int(c['id']) for c in other.client_list() if c['name'] == 'invalidations')
data.client_tracking_on(clientid=inval_id)
cache = {}


def read(key):
    if key in cache:
        print('read', key, cache[key].decode(), 'hit')
        return
    value = data.get(key)
    cache[key] = value
    print('read', key, value.decode() if value is not None else 'nil', 'miss')


def drain(expect):
    deadline = time.time() + 10
    seen = 0
    while seen < expect and time.time() < deadline:
        m = pubsub.get_message(timeout=1)
        if m is None or m['type'] != 'message':
            continue
        keys = m['data']
        if keys is None:
            cache.clear()
            print('invalidated', 'null')
        else:
            for k in keys:
                cache.pop(k.decode(), None)
            print('invalidated', *[k.decode() for k in keys])
        seen += 1


other.set('user:1', 'alice')
other.set('user:2', 'bob')
read('user:1')
read('user:1')
read('user:2')
other.set('user:1', 'carol')
drain(1)
read('user:1')
read('user:2')
other.delete('user:2')
drain(1)
read('user:2')
other.flushdb()
drain(1)
read('user:1')
sys.stdout.flush()
