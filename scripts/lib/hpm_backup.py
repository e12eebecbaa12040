"""Backup and restore of a heat-pump monitor installation: InfluxDB (full), the collector's files, the stack's secrets.

Used by scripts/backup and scripts/restore, standard library only (it also runs in the collector image).

InfluxDB is backed up over its HTTP API, the way ``influx backup`` does it (that CLI is not on every machine):
``GET /api/v2/backup/metadata`` (multipart: KV store, SQL store, bucket manifests) and
``GET /api/v2/backup/shards/{id}`` for every shard. The files and the ``<stamp>.manifest`` use the ``influx backup``
layout and names, so ``influx restore --full`` reads them too. Restore is the full restore of ``influx restore
--full``: ``POST /api/v2/restore/kv``, ``/restore/sql``, then ``/restore/shards/{id}``; it replaces everything on
the server, including its tokens, with the backed-up state.

The collector's SQLite files (changelog, outbox) are copied with SQLite's online backup API, a consistent
snapshot even while the collector writes; its small state files are copied as they are.

Layout: ``<out>/<YYYY-MM-DDTHHMMSSZ>/{influxdb/, data/, secrets/<dir>/, MANIFEST.json}``, mode 0700 (it holds
tokens). MANIFEST.json lists every file with its SHA-256; restore checks them before it changes anything.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SQLITE_SUFFIXES = (".sqlite", ".db")
SKIPPED_FILES = {"heartbeat.json"}  # live state of the running process, meaningless after a restore
STAMP = "%Y-%m-%dT%H%M%SZ"
ADMIN_TOKEN_DIR, ADMIN_TOKEN_FILE = "hpm-influx-admin", "hpm_influx_admin_token"  # as in docker-compose.yml
INFLUX_STAMP = "%Y%m%dT%H%M%SZ"  # influx backup's base name
GZIP = 1  # influx backup manifest: compression "gzip"


class BackupError(RuntimeError):
    """A failed step, in one line that says what to do."""


class Influx:
    """Minimal InfluxDB 2 HTTP client (operator token) for the backup and restore endpoints."""

    def __init__(self, url: str, token: str, timeout: float = 300.0) -> None:
        self.url, self.token, self.timeout = url.rstrip("/"), token, timeout

    def request(self, method: str, path: str, body: bytes | None = None, **headers: str) -> tuple[dict, bytes]:
        request = urllib.request.Request(self.url + path, data=body, method=method)
        request.add_header("Authorization", f"Token {self.token}")
        for key, value in headers.items():
            request.add_header(key.replace("_", "-"), value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace")
            raise BackupError(f"InfluxDB {method} {path}: HTTP {error.code} {detail}") from None
        except OSError as error:
            raise BackupError(f"InfluxDB at {self.url} unreachable ({error}); is it running?") from None


# --- InfluxDB -------------------------------------------------------------------------------------------
def backup_influx(influx: Influx, dest: Path) -> list[str]:
    """Full backup into ``dest`` in influx backup's layout; returns the bucket names."""
    dest.mkdir(parents=True)
    base = datetime.now(UTC).strftime(INFLUX_STAMP)
    headers, body = influx.request("GET", "/api/v2/backup/metadata")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {headers.get('Content-Type', '')}\r\n\r\n".encode() + body
    )
    manifest: dict[str, Any] = {"manifestVersion": 2, "buckets": []}
    buckets: list[dict[str, Any]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if name in ("kv", "sql"):
            filename = f"{base}.{'bolt' if name == 'kv' else 'sqlite'}.gz"
            (dest / filename).write_bytes(gzip.compress(payload, compresslevel=6))
            manifest[name] = _file_entry(dest / filename)
        elif name == "buckets":
            buckets = json.loads(payload)
        else:
            raise BackupError(f"unexpected part {name!r} in the metadata backup")
    if "kv" not in manifest or not buckets:
        raise BackupError("InfluxDB's metadata backup lacks the KV store or the bucket list")
    for bucket in buckets:
        for policy in bucket["retentionPolicies"]:
            for group in policy["shardGroups"]:
                for shard in group["shards"]:
                    headers, data = influx.request(
                        "GET", f"/api/v2/backup/shards/{shard['id']}", Accept_Encoding="gzip"
                    )
                    if headers.get("Content-Encoding") != "gzip":
                        data = gzip.compress(data, compresslevel=6)
                    path = dest / f"{base}.{shard['id']}.tar.gz"
                    path.write_bytes(data)
                    shard.update(_file_entry(path))
        manifest["buckets"].append(bucket)
    (dest / f"{base}.manifest").write_text(json.dumps(manifest, indent=2))
    return [bucket["bucketName"] for bucket in buckets]


def _file_entry(path: Path) -> dict[str, Any]:
    return {"fileName": path.name, "size": path.stat().st_size, "compression": GZIP}


def restore_influx(influx: Influx, src: Path, backup_token: str) -> None:
    """Full restore (replaces all metadata, tokens and data); then the backup's operator token is valid."""
    manifests = sorted(src.glob("*.manifest"))
    if not manifests:
        raise BackupError(f"no InfluxDB backup manifest in {src}")
    manifest = json.loads(manifests[-1].read_text())
    octet = {"Content_Type": "application/octet-stream", "Content_Encoding": "gzip"}
    _, answer = influx.request("POST", "/api/v2/restore/kv", (src / manifest["kv"]["fileName"]).read_bytes(), **octet)
    restored_token = json.loads(answer or b"{}").get("token") or backup_token  # hashed tokens: none returned
    influx = Influx(influx.url, restored_token, influx.timeout)
    if manifest.get("sql"):
        influx.request("POST", "/api/v2/restore/sql", (src / manifest["sql"]["fileName"]).read_bytes(), **octet)
    for bucket in manifest["buckets"]:
        for policy in bucket["retentionPolicies"]:
            for group in policy["shardGroups"]:
                for shard in group["shards"]:
                    data = (src / shard["fileName"]).read_bytes()
                    influx.request("POST", f"/api/v2/restore/shards/{shard['id']}", data, **octet)


# --- local files ------------------------------------------------------------------------------------------
def copy_data_dir(src: Path, dest: Path) -> list[str]:
    """The collector's files: SQLite through the online backup API, small state files as they are."""
    dest.mkdir(parents=True)
    copied = []
    for path in sorted(p for p in src.rglob("*") if p.is_file() and p.name not in SKIPPED_FILES):
        relative = path.relative_to(src)
        (dest / relative).parent.mkdir(parents=True, exist_ok=True)
        if path.suffix in SQLITE_SUFFIXES:
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            target = sqlite3.connect(dest / relative)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        elif path.suffix in (".json", ".pickle"):
            shutil.copy2(path, dest / relative)
        else:
            continue  # journals, temporary files
        copied.append(str(relative))
    return copied


def copy_secrets(dirs: list[Path], dest: Path) -> None:
    for directory in dirs:
        target = dest / directory.name
        target.mkdir(parents=True)
        for path in directory.iterdir():
            if path.is_symlink():
                (target / path.name).symlink_to(os.readlink(path))
            elif path.is_file():
                shutil.copy2(path, target / path.name)


def restore_files(src: Path, dest: Path) -> None:
    """Put files back atomically each (a crash leaves old or new, never half a file)."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            target.unlink(missing_ok=True)
            target.symlink_to(os.readlink(path))
            continue
        tmp = target.with_name(f".{target.name}.restore")
        shutil.copy2(path, tmp)
        os.replace(tmp, target)
        for sidecar in ("-journal", "-wal", "-shm"):  # stale journals of the replaced database
            target.with_name(target.name + sidecar).unlink(missing_ok=True)


# --- manifest ---------------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _listing(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): _sha256(path)
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink() and path.name != "MANIFEST.json"
    }


def verify(folder: Path) -> dict[str, Any]:
    manifest_path = folder / "MANIFEST.json"
    if not manifest_path.is_file():
        raise BackupError(f"{folder} is not a backup (no MANIFEST.json)")
    manifest = json.loads(manifest_path.read_text())
    if _listing(folder) != manifest["files"]:
        raise BackupError(f"{folder} is damaged or incomplete: its files do not match MANIFEST.json")
    return manifest


# --- commands ---------------------------------------------------------------------------------------------
def _token(args: argparse.Namespace) -> str:
    if args.token_file:
        return Path(args.token_file).read_text().strip()
    token = os.environ.get("HPM_INFLUX_ADMIN_TOKEN", "").strip()
    if not token:
        raise BackupError("no operator token: set HPM_INFLUX_ADMIN_TOKEN or pass --token-file")
    return token


def backup(args: argparse.Namespace) -> Path:
    started = time.monotonic()
    folder = Path(args.out) / datetime.now(UTC).strftime(STAMP)
    folder.mkdir(parents=True, mode=0o700)
    os.umask(0o077)
    buckets = backup_influx(Influx(args.url, _token(args)), folder / "influxdb")
    files = copy_data_dir(Path(args.data_dir), folder / "data") if Path(args.data_dir).is_dir() else []
    copy_secrets([Path(d) for d in args.secrets_dir], folder / "secrets")
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "influx_url": args.url,
        "buckets": buckets,
        "data_files": files,
        "files": _listing(folder),
    }
    (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(
        f"backup written to {folder} ({len(buckets)} buckets, {len(files)} collector files, "
        f"{size / 1e6:.1f} MB, {time.monotonic() - started:.1f} s)"
    )
    return folder


def restore(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    manifest = verify(folder)
    if not args.yes:
        raise BackupError(
            f"restore replaces ALL InfluxDB data and tokens at {args.url} and the files in {args.data_dir} with "
            f"the backup of {manifest['created']}; stop the collector first, then repeat with --yes"
        )
    token = _token(args)
    # After the KV restore the backed-up operator token is the valid one: taken from the backed-up secrets when
    # they are there (docker compose stack), else the same token (same server or a local run).
    saved = folder / "secrets" / ADMIN_TOKEN_DIR / ADMIN_TOKEN_FILE
    backup_token = args.backup_token or (saved.read_text().strip() if saved.is_file() else token)
    restore_influx(Influx(args.url, token), folder / "influxdb", backup_token)
    if (folder / "data").is_dir():
        restore_files(folder / "data", Path(args.data_dir))
    for directory in map(Path, args.secrets_dir):
        if (folder / "secrets" / directory.name).is_dir():
            restore_files(folder / "secrets" / directory.name, directory)
    print(f"restored {folder} (backup of {manifest['created']}): buckets {', '.join(manifest['buckets'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Heat-pump monitor backup and restore.")
    parser.add_argument("--url", default=os.environ.get("HPM_INFLUX_URL", "http://localhost:8086"))
    parser.add_argument("--token-file", help="file holding the InfluxDB operator token (else HPM_INFLUX_ADMIN_TOKEN)")
    parser.add_argument("--data-dir", default=os.environ.get("HPM_DATA_DIR", "data"), help="collector data directory")
    parser.add_argument("--secrets-dir", action="append", default=[], help="secret-file directory to include")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="write a dated backup folder")
    make.add_argument("--out", default="backups", help="parent folder of the dated backup folders")
    back = commands.add_parser("restore", help="restore a backup folder (replaces everything)")
    back.add_argument("folder")
    back.add_argument("--backup-token", help="operator token of the backed-up server (default: --token-file's)")
    back.add_argument("--yes", action="store_true", help="really replace the current data")
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            backup(args)
        else:
            restore(args)
    except BackupError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
