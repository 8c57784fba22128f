// The lab's public surface: create / destroy / inspect labs, drive the target agent, read the
// target's TCP state.
export { createLab, type Lab, type LabOptions } from './lab.js';
export { listLabs, labStatus, cleanupLeftovers, tcpfsmNftTables, type LabStatus, type CleanupReport, type NftTable } from './inventory.js';
export { labAddresses, labIdOf, LAB_PREFIX, LAB_INDEX_SPACE, type LabAddresses } from './addressing.js';
export { FAST_SUITE_SYSCTLS, SYSCTL_NAMES, labSysctlsFrom, sysctlPairs, type LabSysctls, type SysctlKey } from './sysctls.js';
export { AgentClient, AgentCommandError, AgentError, type AgentEvent, type ConnId, type Endpoint } from './agent/client.js';
export { parseSs, parseSsTimer, parseSsDuration, parseSsEndpoint, parseTcpInfo, SsParseError, type SsSocket, type SsTimer, type TcpInfo, type TcpState } from './ss.js';
export {
  socketsOf,
  socketOf,
  stateOf,
  waitForState,
  canonicalAddress,
  StateTimeoutError,
  agentTable,
  ssTable,
  type SocketSource,
  type TcpTuple,
  type StateWait,
  type NamespaceRef,
} from './ground-truth.js';
export { parseProcTcp, parseProcTcpLine, procAddress, ProcTcpParseError } from './proc-tcp.js';
export { requireLabPrivileges } from './privileges.js';
