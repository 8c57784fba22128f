// Output paths the user names: created without Node's recursive mkdir (which loops forever under
// /proc or through a dangling link), proved writable up front, refused in one line naming why.

import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { checkOutputFile, makeDirs, prepareOutputDir } from '../../src/sys/output-path.js';

t.test('prepareOutputDir creates missing directories and leaves no probe file', async (t) => {
  const dir = t.testdir();
  const abs = prepareOutputDir('--report-dir', `${dir}/a/b/c`);
  t.equal(abs, `${dir}/a/b/c`);
  t.same(readdirSync(abs), [], 'the probe file is removed again');
  t.equal(prepareOutputDir('--report-dir', abs), abs, 'an existing directory is fine');
});

t.test('refused paths: kernel file systems (also through a link), files, dangling links, empty', async (t) => {
  const dir = t.testdir({ file: 'x' });
  symlinkSync('/proc/self', `${dir}/to-proc`);
  symlinkSync(`${dir}/nowhere`, `${dir}/dangling`);
  const cases: Array<[string, RegExp]> = [
    ['/proc/x', /lies in \/proc, a kernel file system/],
    ['/proc/x/y/z', /lies in \/proc/],
    ['/sys/x', /lies in \/sys/],
    [`${dir}/to-proc/x`, /\(\/proc\/\d+\/x\) lies in \/proc/],
    [`${dir}/file`, /\/file is a file, not a directory/],
    [`${dir}/file/sub/dir`, /\/file is a file, not a directory/],
    [`${dir}/dangling/reports`, /\/dangling is a symbolic link to nothing/],
    ['', /--report-dir wants a path, got an empty string/],
    ['  ', /--report-dir wants a path/],
  ];
  for (const [path, why] of cases) t.throws(() => prepareOutputDir('--report-dir', path), why, `'${path}'`);
  t.notOk(existsSync(`${dir}/nowhere`), 'nothing made through the dangling link');
});

t.test("makeDirs stops where Node's recursive mkdir would spin (it would hang this test)", async (t) => {
  t.throws(() => makeDirs('--x', '/proc/tcpfsm-x/y', '/proc/tcpfsm-x/y'), /cannot create \/proc\/tcpfsm-x: no such file or directory \(ENOENT\)/);
});

t.test('checkOutputFile: the directory must exist, the name must not be one; devices are taken as they are', async (t) => {
  const dir = t.testdir({ old: 'kept' });
  t.equal(checkOutputFile('--output', `${dir}/new.svg`), `${dir}/new.svg`);
  t.notOk(existsSync(`${dir}/new.svg`), 'the probe does not leave an empty file');
  checkOutputFile('--output', `${dir}/old`);
  t.equal(readFileSync(`${dir}/old`, 'utf8'), 'kept', 'an existing file is not truncated by the check');
  t.throws(() => checkOutputFile('--output', dir), /is a directory; give a file name/);
  t.throws(() => checkOutputFile('--output', `${dir}/`), /names a directory/);
  t.throws(() => checkOutputFile('--output', `${dir}/no/such/x.svg`), /directory .*\/no\/such: no such file or directory \(ENOENT\)/);
  t.throws(() => checkOutputFile('--output', '/proc/x.svg'), /lies in \/proc/);
  t.throws(() => checkOutputFile('--output', '/proc/self/fd/1'), /lies in \/proc/, 'by name');
  t.equal(checkOutputFile('--output', '/dev/null'), '/dev/null');
  mkdirSync(`${dir}/sub`);
  writeFileSync(`${dir}/sub/f`, '');
  t.throws(() => checkOutputFile('--output', `${dir}/sub/f/x`), /not a directory/);
});
