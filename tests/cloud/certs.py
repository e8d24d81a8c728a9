#!/usr/bin/env python3
"""Test PKI for the test cloud, generated at test time with the openssl tool.

    python3 tests/cloud/certs.py DIR [--gateway-id ID]

writes keys and certificates into DIR and prints a JSON object of paths (the
same object make_pki() returns; it is also saved as DIR/pki.json).

Good material: a test CA, a server certificate for localhost / 127.0.0.1 / ::1
and a client certificate whose CN is the gateway id. Bad material, for the
gateway's negative tests: an unrelated "wrong" CA with its own localhost server
and client certificates, a server certificate for the wrong host name, an
expired and a not-yet-valid server certificate, and a client certificate of
the good CA for another gateway id (the cloud answers it 403).

Every certificate is issued with `openssl ca`, because OpenSSL 3.0's x509
command cannot set an arbitrary validity start, which the expired certificate
needs. Keys are ECDSA P-256, mode 0600. Nothing here is ever committed.
"""
import argparse
import json
import os
import secrets
import subprocess
import sys

OTHER_GATEWAY_ID = "gw-other-0001"

# One config file serves both CAs (selected with `openssl ca -name`) and all
# certificate profiles (selected with -extensions).
_CONFIG = """\
[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = unused

[ good_ca ]
dir = {dir}/good_ca.db
{ca_common}

[ wrong_ca ]
dir = {dir}/wrong_ca.db
{ca_common}

[ policy_any ]
commonName = supplied

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ server_ext ]
{leaf_common}
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1

[ wrong_host_ext ]
{leaf_common}
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example

[ client_ext ]
{leaf_common}
extendedKeyUsage = clientAuth
"""

_CA_COMMON = """\
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no"""

_LEAF_COMMON = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid"""

# name -> (issuing CA, CN, extension section, validity).
# Validity is a number of days from now, or a fixed (start, end) pair.
_LEAVES = {
    "server": ("good_ca", "localhost", "server_ext", 825),
    "client": ("good_ca", None, "client_ext", 825),  # CN = gateway id
    "other_client": ("good_ca", OTHER_GATEWAY_ID, "client_ext", 825),
    "wrong_host": ("good_ca", "wrong.example", "wrong_host_ext", 825),
    "expired": ("good_ca", "localhost", "server_ext",
                ("20200101000000Z", "20200102000000Z")),
    "not_yet_valid": ("good_ca", "localhost", "server_ext",
                      ("20990101000000Z", "20991231000000Z")),
    "wrong_ca_server": ("wrong_ca", "localhost", "server_ext", 825),
    "wrong_ca_client": ("wrong_ca", None, "client_ext", 825),
}

# Server certificates the cloud can present (cloud.py --server-cert NAME).
SERVER_CERTS = {
    "good": "server",
    "wrong_ca": "wrong_ca_server",
    "wrong_host": "wrong_host",
    "expired": "expired",
    "not_yet_valid": "not_yet_valid",
}


def paths(dirpath):
    """The file names make_pki() writes, without generating anything."""
    d = os.path.abspath(dirpath)
    p = {"dir": d, "config": os.path.join(d, "openssl.cnf")}
    for ca in ("ca", "wrong_ca"):
        p[ca + "_cert"] = os.path.join(d, ca.replace("_", "-") + ".crt")
        p[ca + "_key"] = os.path.join(d, ca.replace("_", "-") + ".key")
    for leaf in _LEAVES:
        p[leaf + "_cert"] = os.path.join(d, leaf.replace("_", "-") + ".crt")
        p[leaf + "_key"] = os.path.join(d, leaf.replace("_", "-") + ".key")
    return p


def _openssl(*args, cwd=None):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], r.stderr.strip()))


def _new_key(path):
    # Create the file 0600 before openssl writes into it, so the key is never
    # readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    _openssl("genpkey", "-algorithm", "EC",
             "-pkeyopt", "ec_paramgen_curve:P-256",
             "-pkeyopt", "ec_param_enc:named_curve", "-out", path)
    os.chmod(path, 0o600)


def _ca_db(dirpath, name):
    db = os.path.join(dirpath, name + ".db")
    os.makedirs(os.path.join(db, "new"), exist_ok=True)
    open(os.path.join(db, "index.txt"), "w").close()
    # A random first serial, so certificates from different runs never share
    # issuer + serial (some TLS stacks cache by that pair).
    with open(os.path.join(db, "serial"), "w") as f:
        f.write("10" + secrets.token_hex(8) + "\n")


def _issue(p, leaf, cn, dirpath):
    ca, default_cn, ext, validity = _LEAVES[leaf]
    ca_prefix = "ca" if ca == "good_ca" else "wrong_ca"
    csr = os.path.join(dirpath, leaf + ".csr")
    _new_key(p[leaf + "_key"])
    _openssl("req", "-new", "-config", p["config"], "-key", p[leaf + "_key"],
             "-subj", "/CN=" + (default_cn or cn), "-out", csr)
    if isinstance(validity, tuple):
        dates = ["-startdate", validity[0], "-enddate", validity[1]]
    else:
        dates = ["-days", str(validity)]
    _openssl("ca", "-batch", "-notext", "-config", p["config"], "-name", ca,
             "-cert", p[ca_prefix + "_cert"], "-keyfile", p[ca_prefix + "_key"],
             "-extensions", ext, *dates, "-in", csr, "-out", p[leaf + "_cert"])
    os.unlink(csr)


def make_pki(dirpath, gateway_id="gw-test-0001"):
    """Generate the whole test PKI into dirpath; return a dict of paths."""
    os.makedirs(dirpath, exist_ok=True)
    p = paths(dirpath)
    d = p["dir"]
    with open(p["config"], "w") as f:
        f.write(_CONFIG.format(dir=d, ca_common=_CA_COMMON,
                               leaf_common=_LEAF_COMMON))
    for ca, cn in (("ca", "ECSP Test CA"), ("wrong_ca", "ECSP Wrong CA")):
        _new_key(p[ca + "_key"])
        _openssl("req", "-new", "-x509", "-config", p["config"],
                 "-extensions", "ca_ext", "-key", p[ca + "_key"],
                 "-subj", "/CN=" + cn, "-days", "3650", "-sha256",
                 "-out", p[ca + "_cert"])
    _ca_db(d, "good_ca")
    _ca_db(d, "wrong_ca")
    for leaf in _LEAVES:
        _issue(p, leaf, gateway_id, d)
    p["gateway_id"] = gateway_id
    p["other_gateway_id"] = OTHER_GATEWAY_ID
    with open(os.path.join(d, "pki.json"), "w") as f:
        json.dump(p, f, indent=2)
    return p


def load(dirpath):
    """The dict make_pki() returned for an existing PKI directory."""
    with open(os.path.join(dirpath, "pki.json")) as f:
        return json.load(f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("--gateway-id", default="gw-test-0001")
    a = ap.parse_args(argv)
    json.dump(make_pki(a.dir, a.gateway_id), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
