// The user's stack settings (--setting, --lab-sysctl) checked per stack, the names each stack
// has before it starts, and the roles a timer test reads its stack's own setting through. Pure.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseUserSettings, userSettingsOption } from '../../src/cli/settings-option.js';
import { lacking } from '../../src/peer/needs.js';
import { UsageError } from '../../src/sys/errors.js';
import { MemorySettings } from '../../src/target/memory/settings.js';
import { openStack as openMemoryStack } from '../../src/target/memory.js';
import { passtTool } from '../../src/target/passt.js';
import { LINUX_SETTING_ROLES, readRole, roleSetting } from '../../src/target/roles.js';
import { slirpTool } from '../../src/target/slirp.js';
import type { StackSettings } from '../../src/target/stack.js';
import { GVISOR_SETTINGS, settingsLacking, stackHasSetting, userSettingsFor } from '../../src/target/stack-settings.js';

/** `fn` throws a UsageError whose message matches `re`. */
function usage(fn: () => unknown, re: RegExp): void {
  try {
    fn();
    t.fail(`no error (wanted ${re})`);
  } catch (e) {
    t.ok(e instanceof UsageError, `a UsageError: ${(e as Error).message}`);
    t.match((e as Error).message, re);
  }
}

t.test('linux: --lab-sysctl as before, --setting the same names', async (t) => {
  t.same(parseUserSettings({ labSysctl: ['net.ipv4.tcp_fin_timeout=5', 'net.ipv4.tcp_rmem=4096 8192 16384'] }, ['linux']), {
    env: { tcp_fin_timeout: '5', 'net.ipv4.tcp_rmem': '4096 8192 16384' },
    linux: { tcp_fin_timeout: '5', 'net.ipv4.tcp_rmem': '4096 8192 16384' },
  });
  t.same(parseUserSettings({ setting: ['tcp_synack_retries=3'] }, ['linux', 'uml']).env, { tcp_synack_retries: '3' });
  // The Linux checks keep their words for a Linux-only run.
  usage(() => parseUserSettings({ labSysctl: ['tcp_fin_timeout=x'] }, ['linux']), /^--lab-sysctl tcp_fin_timeout wants an integer, got 'x'$/);
  usage(() => parseUserSettings({ labSysctl: ['kernel.printk=1'] }, ['linux']), /^--lab-sysctl: refused lab sysctl: kernel.printk/);
  usage(() => parseUserSettings({ setting: ['nosuch=1'] }, ['linux']), /^--setting: unknown sysctl 'nosuch'/);
});

t.test('memory: its own names and ranges; a Linux sysctl is an error naming the stack and its settings', async (t) => {
  t.same(parseUserSettings({ setting: ['synack_retries=3', 'rto_min_ms=200'] }, ['memory']), { env: { synack_retries: '3', rto_min_ms: '200' }, linux: {} });
  usage(
    () => parseUserSettings({ labSysctl: ['tcp_fin_timeout=5'] }, ['memory']),
    /^--lab-sysctl tcp_fin_timeout=5: stack memory has no Linux sysctls \(its settings: rfc5961, .*fin_wait_2_timeout_ms.*; give them with --setting\)$/,
  );
  usage(
    () => parseUserSettings({ setting: ['tcp_rfc1337=1'] }, ['memory']),
    /^--setting tcp_rfc1337=1: stack memory has no setting 'tcp_rfc1337' \(its settings: rfc5961, /,
  );
  usage(() => parseUserSettings({ setting: ['synack_retries=256'] }, ['memory']), /synack_retries: '256' is not an integer in 0\.\.255/);
});

t.test('several stacks: which one lacks it, and how to give it to the others alone', async (t) => {
  usage(
    () => parseUserSettings({ setting: ['tcp_synack_retries=3'] }, ['linux', 'memory']),
    /^--setting tcp_synack_retries=3: stack memory \(of --stack linux,memory\) has no setting 'tcp_synack_retries' .*; to set it on linux alone: --setting linux:tcp_synack_retries=3$/,
  );
  usage(
    () => parseUserSettings({ setting: ['synack_retries=3'] }, ['linux', 'memory']),
    /^--setting synack_retries=3: stack linux \(of --stack linux,memory\): unknown sysctl 'synack_retries'.*; to set it on memory alone: --setting memory:synack_retries=3$/,
  );
  const both = parseUserSettings({ setting: ['linux:tcp_synack_retries=3', 'memory:synack_retries=3'] }, ['linux', 'memory']);
  t.same(both, { env: { 'linux:tcp_synack_retries': '3', 'memory:synack_retries': '3' }, linux: { tcp_synack_retries: '3' } });
  usage(() => parseUserSettings({ setting: ['gvisor:tcp.sack=1'] }, ['linux', 'memory']), /stack gvisor is not in this run \(--stack linux,memory\)/);
  usage(() => parseUserSettings({ setting: ['bsd:x=1'] }, ['memory']), /'bsd' is not a stack/);
  t.same(parseUserSettings({ setting: ['gvisor:tcp.sack=1', 'slirp:mtu=1400'] }, ['gvisor', 'slirp']).env, { 'gvisor:tcp.sack': '1', 'slirp:mtu': '1400' });
  usage(
    () => parseUserSettings({ setting: ['mtu=1400'] }, ['slirp', 'gvisor']),
    /stack gvisor \(of --stack slirp,gvisor\) has no setting 'mtu'.*to set it on slirp alone/,
  );
  // A suite takes the common ones and its own stack's.
  t.same(userSettingsFor('memory', { rfc5961: '0', 'memory:retries': '2', 'linux:tcp_retries2': '4' }), { rfc5961: '0', retries: '2' });
  t.same(userSettingsFor('linux', { 'linux:tcp_retries2': '4' }), { tcp_retries2: '4' });
});

t.test('a remote server has no settings to set', async (t) => {
  usage(
    () => userSettingsOption({ labSysctl: ['tcp_sack=0'] }, '198.18.0.9:80', undefined),
    /^--lab-sysctl set a lab stack's settings; --target names a remote server/,
  );
  t.same(userSettingsOption({ labSysctl: [] }, undefined, undefined), { env: {}, linux: {} });
});

t.test("each stack's names, known before it starts, match the stack's own", async (t) => {
  const go = readFileSync(fileURLToPath(new URL('../../../stacks/gvisor/settings.go', import.meta.url)), 'utf8');
  const table = go.slice(go.indexOf('var settings = map[string]setting{'));
  const goNames = [...table.matchAll(/^\t"([a-z_.]+)":/gm)].map((m) => m[1]);
  t.same([...goNames].sort(), [...GVISOR_SETTINGS].sort(), 'gVisor: the names stacks/gvisor/settings.go registers');
  for (const tool of [slirpTool, passtTool])
    t.same(
      Object.keys(tool.options).filter((n) => !stackHasSetting(tool.stack, n)),
      [],
      `${tool.stack}: its options`,
    );
  t.same(
    Object.keys(new MemorySettings().values).filter((n) => !stackHasSetting('memory', n)),
    [],
    'memory: its options',
  );
  t.ok(stackHasSetting('linux', 'tcp_rfc1337') && stackHasSetting('uml', 'net.ipv4.tcp_rmem'), 'Linux: any sysctl name');
  t.same(settingsLacking('memory', ['net.ipv4.tcp_rfc1337', 'retries']), ['net.ipv4.tcp_rfc1337']);
  t.same(settingsLacking('gvisor', ['tcp.sack', 'net.ipv4.tcp_rmem']), ['net.ipv4.tcp_rmem']);
});

t.test('roles: each stack graded against its own setting, in its own unit and reading', async (t) => {
  const memory = new MemorySettings();
  await memory.set({ fin_wait_2_timeout_ms: '1500', synack_retries: '4' });
  t.match(readRole(memory, 'fin-timeout'), { value: 1500, raw: '1500', text: 'fin_wait_2_timeout_ms = 1500 ms', binding: { name: 'fin_wait_2_timeout_ms' } });
  t.match(readRole(memory, 'synack-retries'), { value: 4, text: 'synack_retries = 4' });
  t.equal(readRole(memory, 'retries2')?.binding.linux, undefined, 'an exact count');
  t.same(roleSetting(memory, 'fin-timeout', 1000), { fin_wait_2_timeout_ms: '1000' });
  await memory.set({ fin_wait_2_timeout_ms: '0' });
  t.match(readRole(memory, 'fin-timeout'), { value: null, text: 'fin_wait_2_timeout_ms = 0 (none)' }, '0: no FIN-WAIT-2 timeout');
  t.equal(readRole(memory, 'time-wait')?.value, 240_000);

  const linux: StackSettings = {
    values: { 'net.ipv4.tcp_fin_timeout': '3', 'net.ipv4.tcp_synack_retries': '2' },
    roles: LINUX_SETTING_ROLES,
    set: async () => ({}),
  };
  t.match(readRole(linux, 'fin-timeout'), { value: 3000, text: 'net.ipv4.tcp_fin_timeout = 3 s', binding: { linux: true } });
  t.same(roleSetting(linux, 'fin-timeout', 1000), { 'net.ipv4.tcp_fin_timeout': '1' });
  t.equal(readRole(linux, 'synack-retries')?.text, 'net.ipv4.tcp_synack_retries = 2');
  t.equal(readRole(linux, 'time-wait'), undefined, 'Linux has no TIME-WAIT setting (TCP_TIMEWAIT_LEN)');
  t.equal(readRole(linux, 'retries2'), undefined, 'a role whose setting is not among the values');

  // A test declaring a role skips where the stack does not fill it, runs where it does.
  const caps = { agent: true, states: true, settings: true, appClose: true, appSend: true };
  t.equal(lacking([], { ...caps, settingNames: ['tcp.sack'] }, ['synack-retries']), 'needs the setting synack-retries, which this stack does not have');
  t.equal(lacking([], { ...caps, settingNames: Object.keys(memory.roles) }, ['synack-retries', 'fin-timeout']), undefined);
});

t.test('the memory stack takes only its own names: a Linux sysctl is refused, never dropped', async (t) => {
  await t.rejects(openMemoryStack({ settings: { tcp_rfc1337: '1' } }), /unknown memory stack setting 'tcp_rfc1337'/);
  const host = await openMemoryStack({ settings: { synack_retries: '4' } });
  t.equal(host.settings?.values.synack_retries, '4');
  await host.close();
});
