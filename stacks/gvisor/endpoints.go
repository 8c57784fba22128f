package main

// Ground truth: netstack's own TCP endpoints (every one registered with the stack: listeners,
// handshakes in SYN-RCVD, connections, orphans in FIN-WAIT/LAST-ACK/TIME-WAIT), each with its
// state under the RFC 9293 name and a few of its numbers.

import (
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// rfcState maps netstack's state names to RFC 9293 §3.3.2's. CONNECTING (the SYN waits for ARP)
// is SYN-SENT to the application; INITIAL, BOUND and ERROR hold no connection: CLOSED.
func rfcState(s tcp.EndpointState) string {
	switch s {
	case tcp.StateEstablished:
		return "ESTABLISHED"
	case tcp.StateSynSent, tcp.StateConnecting:
		return "SYN-SENT"
	case tcp.StateSynRecv:
		return "SYN-RECEIVED"
	case tcp.StateFinWait1:
		return "FIN-WAIT-1"
	case tcp.StateFinWait2:
		return "FIN-WAIT-2"
	case tcp.StateTimeWait:
		return "TIME-WAIT"
	case tcp.StateCloseWait:
		return "CLOSE-WAIT"
	case tcp.StateLastAck:
		return "LAST-ACK"
	case tcp.StateListen:
		return "LISTEN"
	case tcp.StateClosing:
		return "CLOSING"
	}
	return "CLOSED"
}

type endpointState struct {
	State         string        `json:"state"`
	NetstackState string        `json:"netstackState"`
	Local         endpointJSON  `json:"local"`
	Remote        *endpointJSON `json:"remote"` // port null-equivalent: nil for a listener
	RecvQ         int           `json:"recvQ"`
	SendQ         int           `json:"sendQ"`
	RtoMs         float64       `json:"rtoMs"`
	RttMs         float64       `json:"rttMs"`
	RttVarMs      float64       `json:"rttVarMs"`
	Cwnd          uint32        `json:"cwnd"`
	Ssthresh      uint32        `json:"ssthresh"`
}

func endpointStates(s *stack.Stack) []endpointState {
	var out []endpointState
	for _, te := range s.RegisteredEndpoints() {
		ep, ok := te.(tcpip.Endpoint)
		if !ok {
			continue
		}
		info, ok := ep.Info().(*stack.TransportEndpointInfo)
		if !ok || info.TransProto != tcp.ProtocolNumber {
			continue
		}
		state := tcp.EndpointState(ep.State())
		e := endpointState{
			State:         rfcState(state),
			NetstackState: state.String(),
			Local:         endpointJSON{Address: addressString(info.ID.LocalAddress), Port: int(info.ID.LocalPort)},
		}
		if state != tcp.StateListen {
			e.Remote = &endpointJSON{Address: addressString(info.ID.RemoteAddress), Port: int(info.ID.RemotePort)}
			e.RecvQ, _ = ep.GetSockOptInt(tcpip.ReceiveQueueSizeOption)
			e.SendQ, _ = ep.GetSockOptInt(tcpip.SendQueueSizeOption)
			var ti tcpip.TCPInfoOption
			if ep.GetSockOpt(&ti) == nil {
				e.RtoMs = float64(ti.RTO.Microseconds()) / 1000
				e.RttMs = float64(ti.RTT.Microseconds()) / 1000
				e.RttVarMs = float64(ti.RTTVar.Microseconds()) / 1000
				e.Cwnd = ti.SndCwnd
				e.Ssthresh = ti.SndSsthresh
			}
		}
		out = append(out, e)
	}
	return out
}

func (a *agent) endpoints(args) (map[string]any, error) {
	list := endpointStates(a.s)
	if list == nil {
		list = []endpointState{}
	}
	return map[string]any{"endpoints": list}, nil
}
