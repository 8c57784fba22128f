// The lab's public surface: create / destroy / inspect labs, drive the target agent, read the
// target's TCP state.

export { LAB_INDEX_SPACE, LAB_PREFIX, type LabAddresses, labAddresses, labIdOf } from './addressing.js';
export { AgentClient, AgentCommandError, AgentError, type AgentEvent, type ConnId, type Endpoint } from './agent/client.js';
export {
  agentTable,
  canonicalAddress,
  type NamespaceRef,
  procTable,
  type SocketSource,
  StateTimeoutError,
  type StateWait,
  socketOf,
  socketsOf,
  ssTable,
  stateOf,
  type TcpTuple,
  waitForState,
} from './ground-truth.js';
export { type CleanupReport, cleanupLeftovers, type LabStatus, labStatus, listLabs, type NftTable, tcpfsmNftTables } from './inventory.js';
export { createLab, type Lab, type LabOptions } from './lab.js';
export { requireLabPrivileges } from './privileges.js';
export { ProcTcpParseError, parseProcTcp, parseProcTcpLine, procAddress } from './proc-tcp.js';
export {
  parseSs,
  parseSsDuration,
  parseSsEndpoint,
  parseSsTimer,
  parseTcpInfo,
  SsParseError,
  type SsSocket,
  type SsTimer,
  type TcpInfo,
  type TcpState,
} from './ss.js';
export { FAST_SUITE_SYSCTLS, type LabSysctls, labSysctlsFrom, SYSCTL_NAMES, type SysctlKey, sysctlPairs } from './sysctls.js';
