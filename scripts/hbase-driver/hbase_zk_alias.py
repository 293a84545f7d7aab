"""A pytest plugin for running hbase-driver's own test suite against Basalt, unchanged.

Many of the suite's tests name their ZooKeeper host `hbase-zk` (the name of its Docker service). This
plugin makes that name resolve to the loopback address, where `basalt start` listens, without touching
/etc/hosts. Load it with `-p hbase_zk_alias` (its folder on PYTHONPATH)."""
import socket

ALIASES = {"hbase-zk": "127.0.0.1", "hbase-master": "127.0.0.1"}

_getaddrinfo = socket.getaddrinfo
_gethostbyname = socket.gethostbyname


def _alias(host):
    if isinstance(host, bytes):
        name = host.decode("ascii", "replace")
        return ALIASES.get(name, name).encode("ascii")
    return ALIASES.get(host, host)


def _getaddrinfo_aliased(host, *args, **kwargs):
    return _getaddrinfo(_alias(host), *args, **kwargs)


def _gethostbyname_aliased(host):
    return _gethostbyname(_alias(host))


socket.getaddrinfo = _getaddrinfo_aliased
socket.gethostbyname = _gethostbyname_aliased
