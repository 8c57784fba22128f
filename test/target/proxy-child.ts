// A separate process that opens a proxy stack (argv[2]: slirp | passt), says which, then waits to
// be killed: what a SIGKILLed tcpfsm leaves behind of a proxy lab.
const { openStack } = (await import(`../../src/target/${process.argv[2]}.js`)) as typeof import('../../src/target/slirp.js');
const host = await openStack();
console.log(JSON.stringify({ id: host.id, proxyPid: host.proxyPid, agentPid: host.agent.pid }));
setInterval(() => undefined, 1000);
