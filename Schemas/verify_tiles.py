#!/usr/bin/env python3
"""An independent reader of a CarbonLedger log published as C2SP tlog-tiles (c2sp.org/tlog-tiles,
SPEC.md section 13), written from the C2SP text and SPEC.md alone: it opens the checkpoint with
the registry key, reads every tile and entry bundle the checkpoint's tree size needs, checks that
each entry hashes to its leaf and each higher tile hash is the Merkle Tree Hash of the 256
subtrees below, and recomputes the checkpoint's root.

usage: verify_tiles.py DIR|URL VERIFIER_KEY
DIR is what `cledger export tiles` wrote; URL a server of the same paths (`cledger serve`'s root,
or any web server of such a directory).
exits 0 and prints the tree size if the tiles hold exactly the signed tree; 1 with the reason."""
import json, pathlib, sys, urllib.error, urllib.request

from verify_certificate import Invalid, h, open_checkpoint


def index_path(n):
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_path(level, n, width):
    return f"tile/{level}/{index_path(n)}" + ("" if width == 256 else f".p/{width}")


def mth(hashes):
    # RFC 6962 2.1 over leaf hashes: split at the largest power of two smaller than n.
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return h(b"\x01" + mth(hashes[:k]) + mth(hashes[k:]))


def read(root, rel, size):
    if isinstance(root, str):
        try:
            with urllib.request.urlopen(root.rstrip("/") + "/" + rel, timeout=30) as r:
                b = r.read()
        except urllib.error.HTTPError as e:
            raise Invalid(f"{rel}: HTTP {e.code}")
    else:
        p = root / rel
        if not p.is_file():
            raise Invalid(f"{rel} is missing")
        b = p.read_bytes()
    if size is not None and len(b) != size:
        raise Invalid(f"{rel} holds {len(b)} bytes, expected {size}")
    return b


def tiles(count):
    """(index, width) of the tiles holding `count` hashes: full ones, then the partial one."""
    out = [(n, 256) for n in range(count // 256)]
    if count % 256:
        out.append((count // 256, count % 256))
    return out


def verify(directory, vkey):
    remote = directory.startswith(("http://", "https://"))
    root = directory if remote else pathlib.Path(directory)
    origin, size, root_hash = open_checkpoint(read(root, "checkpoint", None).decode(), vkey)
    if size < 1:
        raise Invalid("the checkpoint's tree is empty")
    levels = []
    level = 0
    while size >> (8 * level):
        hashes = []
        for n, width in tiles(size >> (8 * level)):
            b = read(root, tile_path(level, n, width), 32 * width)
            hashes += [b[i:i + 32] for i in range(0, len(b), 32)]
        levels.append(hashes)
        level += 1
    leaves = levels[0]
    # Each hash of level l is the MTH of the 256**l leaves below it.
    for l in range(1, len(levels)):
        span = 256 ** l
        for i, x in enumerate(levels[l]):
            if mth(leaves[i * span:(i + 1) * span]) != x:
                raise Invalid(f"level {l} hash {i} is not the Merkle Tree Hash of leaves {i * span}-{(i + 1) * span - 1}")
    seq = 0
    for n, width in tiles(size):
        b = read(root, f"tile/entries/{index_path(n)}" + ("" if width == 256 else f".p/{width}"), None)
        i = 0
        for _ in range(width):
            if i + 2 > len(b):
                raise Invalid(f"entry bundle {n} ends before its {width} entries")
            length = b[i] << 8 | b[i + 1]
            entry = b[i + 2:i + 2 + length]
            i += 2 + length
            # SPEC 4: the stored canonical bytes; the leaf hash is over them as they are.
            if h(b"\x00" + entry) != leaves[seq]:
                raise Invalid(f"entry {seq} does not hash to leaf {seq} of the level-0 tile")
            if json.loads(entry)["seq"] != seq:
                raise Invalid(f"the entry at position {seq} says seq {json.loads(entry)['seq']}")
            seq += 1
        if i != len(b):
            raise Invalid(f"entry bundle {n} holds bytes after its {width} entries")
    if mth(leaves) != root_hash:
        raise Invalid("the tiles' root is not the checkpoint's")
    return origin, size


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        origin, size = verify(sys.argv[1], sys.argv[2])
    except (Invalid, ValueError, KeyError, OSError) as e:
        print(f"INVALID: {e}", file=sys.stderr)
        return 1
    print(f"tiles valid: {origin} tree size {size}, every entry and tile hash checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
