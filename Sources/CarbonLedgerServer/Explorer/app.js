"use strict";
// The CarbonLedger explorer: reads the API of the server that serves it, and verifies retirement
// certificates in the browser exactly as SPEC.md section 7.3 describes.
const $ = (id) => document.getElementById(id);
const api = async (path) => { const r = await fetch(path); if (!r.ok) throw new Error(`${path}: ${r.status}`); return r; };
const text = (s) => document.createTextNode(String(s));
const td = (...children) => { const c = document.createElement("td"); children.forEach((x) => c.append(typeof x === "string" ? text(x) : x)); return c; };
let info = null;

// --- canonical JSON (SPEC.md 2): sorted keys (UTF-16 order, JavaScript's own), integers, JSON strings
function canonical(v) {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
  return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canonical(v[k])).join(",") + "}";
}
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const concat = (...parts) => { const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let i = 0; for (const p of parts) { out.set(p, i); i += p.length; } return out; };
const leafHash = async (entry) => sha256(concat(new Uint8Array([0]), new TextEncoder().encode(canonical(entry))));
const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function openCheckpoint(note, vkey) {
  const [name, keyid, b64] = [vkey.split("+")[0], vkey.split("+")[1], vkey.split("+").slice(2).join("+")];
  const raw = unb64(b64);
  const cut = note.lastIndexOf("\n\n");
  const body = note.slice(0, cut + 1);
  for (const line of note.slice(cut + 2).split("\n").filter((l) => l)) {
    const [dash, signer, sig64] = line.split(" ");
    const sig = unb64(sig64);
    if (dash !== "\u2014" || signer !== name || hex(sig.slice(0, 4)) !== keyid) continue;
    const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), new TextEncoder().encode(body)))) throw new Error("bad checkpoint signature");
    const [origin, size, root] = body.split("\n");
    return { origin, size: Number(size), root: unb64(root) };
  }
  throw new Error("the checkpoint carries no signature by the registry key");
}

async function verifyInclusion(index, size, leaf, proof, root) {
  if (index >= size) throw new Error("index beyond the tree");
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error("proof too long");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0 || !equal(r, root)) throw new Error("the proof does not lead to the checkpoint's root");
}

async function verifyCertificate(cert, vkey, report) {
  const cp = await openCheckpoint(cert.checkpoint, vkey);
  report(`checkpoint signed by the registry key (${cp.origin}, tree size ${cp.size})`);
  const proven = {};
  for (const name of ["retirement", "issuance"]) {
    const p = cert[name];
    const leaf = await leafHash(p.entry);
    if (hex(leaf) !== p.leaf_hash) throw new Error(`${name} leaf hash is not SHA-256(0x00 || canonical entry)`);
    await verifyInclusion(p.entry.seq, cp.size, leaf, p.hashes.map(unhex), cp.root);
    report(`${name} entry ${p.entry.seq} is included in the signed tree`);
    proven[name] = p.entry;
  }
  const r = proven.retirement.event, i = proven.issuance.event;
  if (r.type !== "units.retire" || i.type !== "issuance.issue" || r.batch !== i.batch || proven.issuance.seq >= proven.retirement.seq) throw new Error("not a retirement from this issuance");
  report(`retirement ${r.retirement} spends batch ${i.batch}, issued at entry ${proven.issuance.seq}`);
  const prefix = `CN-${i.region}-${i.project}-${i.vintage}-${i.batch}`;
  let previous = 0, total = 0; const serials = [];
  for (const [lo, hi] of r.ranges) {
    if (!(previous < lo && lo <= hi && hi <= i.units)) throw new Error("serial ranges are not ascending, disjoint and within the batch");
    previous = hi; total += hi - lo + 1; serials.push(`${prefix}-${lo}-${hi}`);
  }
  if (total !== r.units) throw new Error("the ranges do not total the retired units");
  report(`${total} units in ${serials.length} serial range(s) within the batch's ${i.units}`);
  const summary = { retirement: r.retirement, beneficiary: r.beneficiary, purpose: r.purpose, reason: r.reason, jurisdiction: r.jurisdiction,
    period_from: r.period_from, period_to: r.period_to, retired_by: r.account, units: r.units, amount_kg: r.units,
    amount_t: `${Math.floor(r.units / 1000)}.${String(r.units % 1000).padStart(3, "0")}`, serials, batch: i.batch, project: i.project,
    vintage: i.vintage, region: i.region, request: i.request, lineage_root: i.lineage_root, batch_units: i.units,
    retired_at: proven.retirement.time, retirement_seq: proven.retirement.seq, issuance_seq: proven.issuance.seq, ledger: cp.origin, checkpoint_size: cp.size };
  if ("beneficiary_account" in r) summary.beneficiary_account = r.beneficiary_account;
  if ("compliance" in r) summary.compliance = r.compliance;
  if (canonical(summary) !== canonical(cert.summary)) throw new Error("the summary does not match the proven entries");
  report("every field of the summary is read from the proven entries");
  return summary;
}

async function showCertificate(id) {
  $("certificate-section").hidden = false;
  $("cert-id").textContent = id;
  const status = $("cert-status"), checks = $("cert-checks"), table = $("cert-summary");
  status.className = "pending"; status.textContent = "verifying…"; checks.replaceChildren(); table.replaceChildren();
  const report = (s) => { const li = document.createElement("li"); li.className = "pass"; li.textContent = s; checks.append(li); };
  try {
    const cert = await (await api(`/v1/retirements/${encodeURIComponent(id)}/certificate`)).json();
    const s = await verifyCertificate(cert, info.registry_key, report);
    status.className = "ok";
    status.textContent = `Certificate verified: ${s.amount_t} t CO2e retired for ${s.beneficiary}`;
    for (const [k, v] of [["Beneficiary", s.beneficiary], ["Purpose", s.purpose], ["Amount", `${s.amount_t} t (${s.amount_kg} kg)`],
      ["Serials", s.serials.join(" ")], ["Project", `${s.project}, vintage ${s.vintage}`], ["Retired", `${s.retired_at}, entry ${s.retirement_seq}`],
      ["Lineage root", s.lineage_root]]) {
      const tr = document.createElement("tr"); const th = document.createElement("th"); th.textContent = k; tr.append(th, td(String(v))); table.append(tr);
    }
  } catch (e) {
    const li = document.createElement("li"); li.className = "fail"; li.textContent = e.message; checks.append(li);
    status.className = "bad"; status.textContent = `Certificate NOT verified: ${e.message}`;
  }
}

async function showDetail(title, path) {
  $("detail-section").hidden = false;
  $("detail-title").textContent = title;
  try { $("detail").textContent = JSON.stringify(await (await api(path)).json(), null, 2); } catch (e) { $("detail").textContent = e.message; }
}

async function search(q) {
  const box = $("search-results"); box.replaceChildren();
  const res = await (await api(`/v1/search?q=${encodeURIComponent(q)}`)).json();
  if (!res.results.length) { box.textContent = `nothing found for "${q}"`; return; }
  for (const r of res.results) {
    const p = document.createElement("p"); p.className = "result";
    if (r.kind === "retirement") { p.textContent = `retirement ${r.id}`; showCertificate(r.id); }
    else if (r.kind === "serial") {
      p.textContent = `${r.first === r.last ? "serial unit " + r.first : "serial units " + r.first + "-" + r.last} of batch ${r.batch}: ${r.state}${r.retirement ? " by retirement " + r.retirement : " by account " + r.account}`;
      if (r.retirement) showCertificate(r.retirement);
    } else if (r.kind === "account") { p.textContent = `account ${r.id}`; showDetail(`Account ${r.id}`, `/v1/accounts/${encodeURIComponent(r.id)}`); }
    else if (r.kind === "batch") { p.textContent = `batch ${r.id}`; showDetail(`Batch ${r.id}`, `/v1/batches/${encodeURIComponent(r.id)}`); }
    else if (r.kind === "entry") { p.textContent = `entry ${r.seq}`; showDetail(`Entry ${r.seq}`, `/v1/entries?from=${r.seq}&limit=1`); }
    box.append(p);
  }
}

function chart(el, rows, key) {
  const max = Math.max(1, ...rows.map((r) => r.credited_mg + r.qualitative_mg));
  el.replaceChildren(...rows.map((r) => {
    const div = document.createElement("div"); div.className = "bar";
    const label = document.createElement("span"); label.className = "label"; label.textContent = r[key];
    const fill = document.createElement("span"); fill.className = "fill"; fill.style.width = `${Math.round(30 * (r.credited_mg + r.qualitative_mg) / max)}rem`;
    div.append(label, fill, text(`${((r.credited_mg + r.qualitative_mg) / 1e6).toFixed(1)} kg, ${r.behaviours} behaviours`));
    return div;
  }));
}

async function load() {
  info = await (await api("/v1/info")).json();
  $("origin").textContent = `${info.origin}: ${info.size} entries${info.read_only ? " (read-only mirror)" : ""}`;
  $("size").textContent = info.size;
  $("registry-key").textContent = info.registry_key;
  $("checkpoint").textContent = info.checkpoint;
  chart($("chart-scenario"), await (await api("/v1/stats?by=scenario")).json(), "scenario");
  chart($("chart-region"), await (await api("/v1/stats?by=region")).json(), "region");
  const rets = await (await api("/v1/retirements")).json();
  $("retirements").tBodies[0].replaceChildren(...rets.map((r) => {
    const tr = document.createElement("tr");
    const b = document.createElement("button"); b.textContent = "verify"; b.onclick = () => showCertificate(r.id);
    tr.append(td(r.id), td(r.date), td(r.beneficiary), td(r.purpose), td(r.amount_t), td(r.serials.join(" ")), td(b));
    return tr;
  }));
  const from = Math.max(0, info.size - 20);
  const page = await (await api(`/v1/entries?from=${from}&limit=20`)).json();
  $("entries").tBodies[0].replaceChildren(...page.entries.reverse().map((e) => {
    const tr = document.createElement("tr");
    const ev = { ...e.event }; delete ev.type;
    tr.append(td(String(e.seq)), td(e.time), td(e.event.type), td(JSON.stringify(ev).slice(0, 140)));
    return tr;
  }));
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("retirement")) await showCertificate(hash.get("retirement"));
  if (hash.get("search")) { $("search").value = hash.get("search"); await search(hash.get("search")); }
}

$("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); search($("search").value.trim()); });
load().catch((e) => { $("origin").textContent = `could not load the ledger: ${e.message}`; });
