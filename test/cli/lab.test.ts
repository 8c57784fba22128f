// lab up / status / down on the real machine (root), and cleanup of a crashed run's leftovers.

import { spawnSync } from 'node:child_process';
import t from 'tap';
import { labStatus, listLabs } from '../../src/lab/index.js';
import { run } from '../../src/sys/exec.js';
import { remnantsOf } from '../lab/helpers.js';
import { tcpfsm } from './helpers.js';

t.test('lab up leaves a live lab after the command exits; status shows it; cleanup keeps it; lab down removes it', async (t) => {
  const up = await tcpfsm(['lab', 'up', '--json', '--lab-sysctl', 'tcp_fin_timeout=7']);
  t.equal(up.code, 0, up.stderr);
  const info = JSON.parse(up.stdout) as { id: number; namespace: string; holder: number; target: { ipv4: string }; sysctls: Record<string, string> };
  t.teardown(async () => {
    // Whatever happens above, nothing stays.
    try {
      process.kill(info.holder, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 300));
    await run('ip', ['-force', '-batch', '-'], { input: `link del dev ${info.namespace}\nnetns del ${info.namespace}\n` }).catch(() => undefined);
  });
  t.match(info.namespace, /^tcpfsm-\d+$/);
  t.match(info.target.ipv4, /^198\.18\./);
  t.equal(info.sysctls['net.ipv4.tcp_fin_timeout'], '7', 'the sysctl was set and read back');

  const s = await labStatus(info.id);
  t.ok(s?.namespace && s.probeLink, 'namespace and probe link exist after `lab up` returned');
  t.equal(s?.owner, info.holder, 'owned by the holder process');
  t.ok(s?.ownerAlive);
  const inside = await run('ip', ['netns', 'exec', info.namespace, 'ip', '-o', 'addr', 'show', 'dev', 'eth0']);
  t.match(inside.stdout, new RegExp(info.target.ipv4.replace(/\./g, '\\.')), 'the target address is configured inside');

  const status = await tcpfsm(['lab', 'status']);
  t.equal(status.code, 0);
  t.match(
    status.stdout,
    new RegExp(`^${info.namespace} {2}probe 198\\.18\\.\\S+ → target ${info.target.ipv4.replace(/\./g, '\\.')} {2}held by lab up process ${info.holder}`, 'm'),
  );

  const cleanup = await tcpfsm(['cleanup', String(info.id)]);
  t.equal(cleanup.code, 0);
  t.match(cleanup.stdout, new RegExp(`kept ${info.namespace}: its tcpfsm process is running`), 'cleanup leaves a live lab alone');
  t.ok((await labStatus(info.id))?.namespace, 'still there');

  const down = await tcpfsm(['lab', 'down', String(info.id)]);
  t.equal(down.code, 0, down.stderr);
  t.match(down.stdout, new RegExp(`^removed ${info.namespace} \\(stopped its holder ${info.holder}\\)$`, 'm'));
  t.same(await remnantsOf(info.id), [], 'namespace, link and nft tables are gone');

  const again = await tcpfsm(['lab', 'down', String(info.id)]);
  t.equal(again.code, 2);
  t.match(again.stderr, new RegExp(`^tcpfsm: no lab ${info.namespace} \\(see: tcpfsm lab status\\)`));
});

t.test('cleanup removes what a crashed run left: namespace, probe link, nft table', async (t) => {
  // A lab whose creator died: link alias names a pid that no longer runs.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  const taken = new Set((await listLabs()).map((l) => l.id));
  const id = [...Array(100).keys()].map((k) => 16000 + k).find((k) => !taken.has(k))!;
  const name = `tcpfsm-${id}`;
  await run('ip', ['-batch', '-'], {
    input: `netns add ${name}\nlink add ${name} type veth peer name eth0 netns ${name}\nlink set dev ${name} alias tcpfsm:pid=${dead}\n`,
  });
  await run('nft', ['add', 'table', 'inet', name]);
  t.teardown(async () => {
    await run('ip', ['-force', '-batch', '-'], { input: `link del dev ${name}\nnetns del ${name}\n` }).catch(() => undefined);
    await run('nft', ['delete', 'table', 'inet', name]).catch(() => undefined);
  });
  // Scoped to this lab: other test files keep labs (--keep-lab) that a global sweep would race for.
  const r = await tcpfsm(['cleanup', name]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^removed namespace ${name}$`, 'm'));
  t.match(r.stdout, new RegExp(`^removed link ${name}$`, 'm'));
  t.match(r.stdout, new RegExp(`^removed nft table inet ${name}$`, 'm'));
  t.same(await remnantsOf(id), [], 'nothing of it is left');
  const twice = await tcpfsm(['cleanup', String(id)]);
  t.notMatch(twice.stdout, new RegExp(name), 'a second cleanup has nothing of it to remove');
});

t.test('cleanup refuses what is not a lab id', async (t) => {
  const r = await tcpfsm(['cleanup', 'eth0']);
  t.equal(r.code, 2);
  t.match(r.stderr, /^tcpfsm: cleanup: 'eth0' is not a lab id/);
});
