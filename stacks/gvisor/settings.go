package main

// netstack's TCP protocol options (SetTransportProtocolOption): gVisor's counterpart of the TCP
// sysctls, exposed to the harness by name. Values are strings, as the harness's settings are;
// durations in milliseconds, booleans 0/1.
//
//   tcp.sack                    TCPSACKEnabled              SACK (RFC 2018); netstack's default: 0
//   tcp.delay                   TCPDelayEnabled             Nagle's algorithm (netstack's name: "delay")
//   tcp.moderate_rcvbuf         TCPModerateReceiveBufferOption  receive-buffer auto-tuning
//   tcp.congestion_control      CongestionControlOption     reno | cubic
//   tcp.recovery                TCPRecovery                 loss-detection bit mask (1 = RACK, 2 = RACK static reo window, 4 = no dup threshold)
//   tcp.linger_timeout_ms       TCPLingerTimeoutOption      FIN-WAIT-2 timeout of an orphan (Linux: tcp_fin_timeout)
//   tcp.time_wait_timeout_ms    TCPTimeWaitTimeoutOption    TIME-WAIT duration
//   tcp.time_wait_reuse         TCPTimeWaitReuseOption      0 off, 1 global, 2 loopback only (Linux: tcp_tw_reuse)
//   tcp.min_rto_ms              TCPMinRTOOption             lower bound of the RTO
//   tcp.max_rto_ms              TCPMaxRTOOption             upper bound of the RTO
//   tcp.max_retries             TCPMaxRetriesOption         retransmissions before giving up (Linux: tcp_retries2)
//   tcp.syn_retries             TCPSynRetriesOption         SYN retransmissions of an active open (Linux: tcp_syn_retries)
//   tcp.always_syn_cookies      TCPAlwaysUseSynCookies      SYN cookies for every SYN (Linux: tcp_syncookies=2)
//   tcp.send_buffer             TCPSendBufferSizeRangeOption    "min default max" bytes (Linux: tcp_wmem)
//   tcp.receive_buffer          TCPReceiveBufferSizeRangeOption "min default max" bytes (Linux: tcp_rmem)

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

// setting reads and writes one option; write gets the value as given and says what is wrong with it.
type setting struct {
	read  func(s *stack.Stack) (string, tcpip.Error)
	write func(s *stack.Stack, v string) (tcpip.Error, error)
}

func getOpt(s *stack.Stack, opt tcpip.GettableTransportProtocolOption) tcpip.Error {
	return s.TransportProtocolOption(tcp.ProtocolNumber, opt)
}

func setOpt(s *stack.Stack, opt tcpip.SettableTransportProtocolOption) tcpip.Error {
	return s.SetTransportProtocolOption(tcp.ProtocolNumber, opt)
}

func parseBool(v string) (bool, error) {
	switch v {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("expected 0 or 1")
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func parseUint(v string, max uint64) (uint64, error) {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n > max {
		return 0, fmt.Errorf("expected an integer in 0..%d", max)
	}
	return n, nil
}

func msString(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

// boolSetting: T is the option type, a named bool.
func boolSetting[T ~bool, P interface {
	*T
	tcpip.GettableTransportProtocolOption
	tcpip.SettableTransportProtocolOption
}]() setting {
	return setting{
		read: func(s *stack.Stack) (string, tcpip.Error) {
			var v T
			err := getOpt(s, P(&v))
			return boolString(bool(v)), err
		},
		write: func(s *stack.Stack, text string) (tcpip.Error, error) {
			b, err := parseBool(text)
			if err != nil {
				return nil, err
			}
			v := T(b)
			return setOpt(s, P(&v)), nil
		},
	}
}

// msSetting: T is the option type, a named time.Duration.
func msSetting[T ~int64, P interface {
	*T
	tcpip.GettableTransportProtocolOption
	tcpip.SettableTransportProtocolOption
}]() setting {
	return setting{
		read: func(s *stack.Stack) (string, tcpip.Error) {
			var v T
			err := getOpt(s, P(&v))
			return msString(time.Duration(v)), err
		},
		write: func(s *stack.Stack, text string) (tcpip.Error, error) {
			n, err := parseUint(text, 1<<40)
			if err != nil {
				return nil, err
			}
			v := T(time.Duration(n) * time.Millisecond)
			return setOpt(s, P(&v)), nil
		},
	}
}

// uintSetting: T is the option type, a named unsigned or signed integer.
func uintSetting[T ~uint8 | ~int32 | ~uint64, P interface {
	*T
	tcpip.GettableTransportProtocolOption
	tcpip.SettableTransportProtocolOption
}](max uint64) setting {
	return setting{
		read: func(s *stack.Stack) (string, tcpip.Error) {
			var v T
			err := getOpt(s, P(&v))
			return strconv.FormatUint(uint64(v), 10), err
		},
		write: func(s *stack.Stack, text string) (tcpip.Error, error) {
			n, err := parseUint(text, max)
			if err != nil {
				return nil, err
			}
			v := T(n)
			return setOpt(s, P(&v)), nil
		},
	}
}

func bufferRange(text string) (min, def, max int, err error) {
	f := strings.Fields(text)
	if len(f) != 3 {
		return 0, 0, 0, fmt.Errorf(`expected "min default max" (bytes)`)
	}
	var n [3]int
	for i, s := range f {
		v, e := strconv.Atoi(s)
		if e != nil || v < 0 {
			return 0, 0, 0, fmt.Errorf(`expected "min default max" (bytes)`)
		}
		n[i] = v
	}
	return n[0], n[1], n[2], nil
}

var settings = map[string]setting{
	"tcp.sack":                 boolSetting[tcpip.TCPSACKEnabled](),
	"tcp.delay":                boolSetting[tcpip.TCPDelayEnabled](),
	"tcp.moderate_rcvbuf":      boolSetting[tcpip.TCPModerateReceiveBufferOption](),
	"tcp.always_syn_cookies":   boolSetting[tcpip.TCPAlwaysUseSynCookies](),
	"tcp.linger_timeout_ms":    msSetting[tcpip.TCPLingerTimeoutOption](),
	"tcp.time_wait_timeout_ms": msSetting[tcpip.TCPTimeWaitTimeoutOption](),
	"tcp.min_rto_ms":           msSetting[tcpip.TCPMinRTOOption](),
	"tcp.max_rto_ms":           msSetting[tcpip.TCPMaxRTOOption](),
	"tcp.max_retries":          uintSetting[tcpip.TCPMaxRetriesOption](1 << 32),
	"tcp.syn_retries":          uintSetting[tcpip.TCPSynRetriesOption](255),
	"tcp.time_wait_reuse":      uintSetting[tcpip.TCPTimeWaitReuseOption](2),
	"tcp.recovery":             uintSetting[tcpip.TCPRecovery](7),
	"tcp.congestion_control": {
		read: func(s *stack.Stack) (string, tcpip.Error) {
			var v tcpip.CongestionControlOption
			err := getOpt(s, &v)
			return string(v), err
		},
		write: func(s *stack.Stack, text string) (tcpip.Error, error) {
			v := tcpip.CongestionControlOption(text)
			return setOpt(s, &v), nil
		},
	},
	"tcp.send_buffer": {
		read: func(s *stack.Stack) (string, tcpip.Error) {
			var v tcpip.TCPSendBufferSizeRangeOption
			err := getOpt(s, &v)
			return fmt.Sprintf("%d %d %d", v.Min, v.Default, v.Max), err
		},
		write: func(s *stack.Stack, text string) (tcpip.Error, error) {
			min, def, max, err := bufferRange(text)
			if err != nil {
				return nil, err
			}
			return setOpt(s, &tcpip.TCPSendBufferSizeRangeOption{Min: min, Default: def, Max: max}), nil
		},
	},
	"tcp.receive_buffer": {
		read: func(s *stack.Stack) (string, tcpip.Error) {
			var v tcpip.TCPReceiveBufferSizeRangeOption
			err := getOpt(s, &v)
			return fmt.Sprintf("%d %d %d", v.Min, v.Default, v.Max), err
		},
		write: func(s *stack.Stack, text string) (tcpip.Error, error) {
			min, def, max, err := bufferRange(text)
			if err != nil {
				return nil, err
			}
			return setOpt(s, &tcpip.TCPReceiveBufferSizeRangeOption{Min: min, Default: def, Max: max}), nil
		},
	},
}

func settingNames() []string {
	names := make([]string, 0, len(settings))
	for n := range settings {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// applySettings writes every value (all checked before any is written), then returns every setting's value.
func applySettings(s *stack.Stack, set map[string]string) (map[string]string, error) {
	for name := range set {
		if _, ok := settings[name]; !ok {
			return nil, &failure{fmt.Sprintf("unknown netstack setting '%s' (known: %s)", name, strings.Join(settingNames(), ", ")), "ENOENT"}
		}
	}
	for _, name := range sortedKeys(set) {
		value := set[name]
		terr, err := settings[name].write(s, value)
		if err != nil {
			return nil, &failure{fmt.Sprintf("netstack setting %s: '%s' %s", name, value, err), "EINVAL"}
		}
		if terr != nil {
			return nil, &failure{fmt.Sprintf("netstack setting %s refused the value '%s' (%s)", name, value, terr), errnoName(terr)}
		}
	}
	values := map[string]string{}
	for name, st := range settings {
		v, terr := st.read(s)
		if terr != nil {
			return nil, &failure{fmt.Sprintf("reading netstack setting %s: %s", name, terr), errnoName(terr)}
		}
		values[name] = v
	}
	return values, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
