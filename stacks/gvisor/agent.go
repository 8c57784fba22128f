package main

// The agent protocol of src/lab/agent/protocol.ts, one JSON object per line: the same commands,
// answers and events as the Node agent (src/lab/agent/main.ts), done on netstack's endpoints,
// plus two of gVisor's own: `endpoints` (netstack's TCP endpoints and their states: ground truth)
// and `settings` (netstack's TCP options, see settings.go).

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv6"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
	"gvisor.dev/gvisor/pkg/waiter"
)

type endpointJSON struct {
	Address string `json:"address"`
	Port    int    `json:"port"`
}

func fullAddress(a tcpip.FullAddress) *endpointJSON {
	return &endpointJSON{Address: addressString(a.Addr), Port: int(a.Port)}
}

func addressString(a tcpip.Address) string {
	if len(a) == 0 {
		return "0.0.0.0"
	}
	if ip, ok := netip.AddrFromSlice([]byte(a)); ok {
		return ip.String()
	}
	return string(a)
}

type listener struct {
	port int
	ep   tcpip.Endpoint
	wq   *waiter.Queue
}

type agent struct {
	s       *stack.Stack
	started time.Time
	version string

	outMu sync.Mutex
	out   *bufio.Writer
	// While a command runs, its events wait for its answer (Node emits them on a later tick).
	inCommand bool
	held      [][]byte

	mu        sync.Mutex
	conns     map[int]*conn
	order     []int
	listeners map[int]*listener
	nextConn  int
}

func newAgent(s *stack.Stack, out io.Writer) *agent {
	return &agent{
		s: s, started: time.Now(), out: bufio.NewWriter(out),
		version: "gVisor netstack (" + runtime.Version() + ")",
		conns:   map[int]*conn{}, listeners: map[int]*listener{}, nextConn: 1,
	}
}

func (a *agent) writeLine(line []byte) {
	a.out.Write(line)
	a.out.WriteByte('\n')
	a.out.Flush()
}

func (a *agent) event(e map[string]any) {
	line, _ := json.Marshal(e)
	a.outMu.Lock()
	defer a.outMu.Unlock()
	if a.inCommand {
		a.held = append(a.held, line)
		return
	}
	a.writeLine(line)
}

func (a *agent) answer(id json.RawMessage, result map[string]any, err error) {
	msg := map[string]any{"id": id}
	if err != nil {
		msg["ok"] = false
		msg["error"] = err.Error()
		if f, ok := err.(*failure); ok && f.code != "" {
			msg["code"] = f.code
		}
	} else {
		for k, v := range result {
			msg[k] = v
		}
		msg["ok"] = true
	}
	line, _ := json.Marshal(msg)
	a.outMu.Lock()
	defer a.outMu.Unlock()
	a.writeLine(line)
	for _, h := range a.held {
		a.writeLine(h)
	}
	a.held = nil
	a.inCommand = false
}

var commands = []string{
	"ping", "sysctl", "listen", "unlisten", "connect", "send", "read", "shutdown", "close", "abort",
	"pause", "resume", "list", "endpoints", "settings",
}

// handle runs one request line.
func (a *agent) handle(line string, lineNo int) {
	if strings.TrimSpace(line) == "" {
		return
	}
	var msg map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &msg); err != nil || msg == nil {
		a.answer(json.RawMessage("null"), nil, fmt.Errorf("line %d is not a JSON object", lineNo))
		return
	}
	id := msg["id"]
	if _, err := strconv.ParseFloat(string(id), 64); err != nil {
		a.answer(json.RawMessage("null"), nil, fmt.Errorf("line %d: 'id' must be a number", lineNo))
		return
	}
	var cmd string
	_ = json.Unmarshal(msg["cmd"], &cmd)
	h, ok := a.handlers()[cmd]
	if !ok {
		a.answer(id, nil, fmt.Errorf("unknown command %s (known: %s)", string(msg["cmd"]), strings.Join(commands, ", ")))
		return
	}
	a.outMu.Lock()
	a.inCommand = true
	a.outMu.Unlock()
	result, err := h(args(msg))
	a.answer(id, result, err)
}

// args are the request's fields other than id and cmd, decoded into a handler's struct.
type args map[string]json.RawMessage

func (m args) into(v any) error {
	delete(m, "id")
	delete(m, "cmd")
	raw, _ := json.Marshal(m)
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if err := dec.Decode(v); err != nil {
		return &failure{fmt.Sprintf("bad arguments: %s", err), "EINVAL"}
	}
	return nil
}

type handler func(args) (map[string]any, error)

func (a *agent) handlers() map[string]handler {
	return map[string]handler{
		"ping": func(args) (map[string]any, error) {
			return map[string]any{"pid": os.Getpid(), "node": a.version, "uptimeMs": time.Since(a.started).Milliseconds()}, nil
		},
		"sysctl":    a.sysctl,
		"settings":  a.settings,
		"listen":    a.listen,
		"unlisten":  a.unlisten,
		"connect":   a.connect,
		"send":      a.send,
		"read":      a.read,
		"shutdown":  a.shutdown,
		"close":     a.close,
		"abort":     a.abort,
		"pause":     a.pause,
		"resume":    a.resume,
		"list":      a.list,
		"endpoints": a.endpoints,
	}
}

func (a *agent) sysctl(m args) (map[string]any, error) {
	var p struct {
		Set map[string]string `json:"set"`
		Get []string          `json:"get"`
	}
	if err := m.into(&p); err != nil {
		return nil, err
	}
	names := append(sortedKeys(p.Set), p.Get...)
	if len(names) == 0 {
		return map[string]any{"values": map[string]string{}}, nil
	}
	return nil, &failure{fmt.Sprintf("sysctl %s does not exist in gVisor netstack: its settings are netstack options (command 'settings': %s)",
		names[0], strings.Join(settingNames(), ", ")), "ENOENT"}
}

func (a *agent) settings(m args) (map[string]any, error) {
	var p struct {
		Set map[string]string `json:"set"`
	}
	if err := m.into(&p); err != nil {
		return nil, err
	}
	values, err := applySettings(a.s, p.Set)
	if err != nil {
		return nil, err
	}
	return map[string]any{"values": values}, nil
}

func portArg(v *int, name string, allowZero bool) (int, error) {
	low := 1
	if allowZero {
		low = 0
	}
	if v == nil || *v < low || *v > 65535 {
		got := "undefined"
		if v != nil {
			got = strconv.Itoa(*v)
		}
		return 0, &failure{fmt.Sprintf("'%s' must be an integer in %d..65535, got %s", name, low, got), ""}
	}
	return *v, nil
}

// ipArg: an address and the network protocol of its endpoint; "", 0.0.0.0 and :: mean any
// address (an IPv6 endpoint bound to :: takes IPv4 too, as Node's '::' does: netstack's v6only is
// off by default). IPv6 only where the program was given -addr6.
func (a *agent) ipArg(text, name string) (tcpip.Address, tcpip.NetworkProtocolNumber, error) {
	ip, err := netip.ParseAddr(text)
	if err != nil {
		return "", 0, &failure{fmt.Sprintf("'%s' must be an IP address, got %q", name, text), ""}
	}
	ip = ip.Unmap()
	proto := ipv4.ProtocolNumber
	if ip.Is6() {
		if a.s.NetworkProtocolInstance(ipv6.ProtocolNumber) == nil {
			return "", 0, &failure{fmt.Sprintf("'%s' %s: this gVisor target was started IPv4 only", name, text), "EAFNOSUPPORT"}
		}
		proto = ipv6.ProtocolNumber
	}
	if ip.IsUnspecified() {
		return "", proto, nil
	}
	return tcpip.Address(ip.AsSlice()), proto, nil
}

func (a *agent) newEndpoint(proto tcpip.NetworkProtocolNumber) (tcpip.Endpoint, *waiter.Queue, error) {
	var wq waiter.Queue
	ep, err := a.s.NewEndpoint(tcp.ProtocolNumber, proto, &wq)
	if err != nil {
		return nil, nil, &failure{fmt.Sprintf("socket: %s", err), errnoName(err)}
	}
	return ep, &wq, nil
}

// keepAlive as Node's setKeepAlive(true, ms): SO_KEEPALIVE and TCP_KEEPIDLE in whole seconds (≥ 1).
func keepAlive(ep tcpip.Endpoint, ms *int) {
	if ms == nil {
		return
	}
	secs := *ms / 1000
	if secs < 1 {
		secs = 1
	}
	ep.SocketOptions().SetKeepAlive(true)
	idle := tcpip.KeepaliveIdleOption(time.Duration(secs) * time.Second)
	ep.SetSockOpt(&idle)
}

func (a *agent) track(origin string, ep tcpip.Endpoint, wq *waiter.Queue) *conn {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := newConn(a, a.nextConn, origin, ep, wq)
	a.nextConn++
	a.conns[c.id] = c
	a.order = append(a.order, c.id)
	return c
}

func (a *agent) listen(m args) (map[string]any, error) {
	var p struct {
		Port        *int    `json:"port"`
		Host        *string `json:"host"`
		Backlog     *int    `json:"backlog"`
		KeepAliveMs *int    `json:"keepAliveMs"`
	}
	if err := m.into(&p); err != nil {
		return nil, err
	}
	port, err := portArg(p.Port, "port", true)
	if err != nil {
		return nil, err
	}
	host := "0.0.0.0"
	if p.Host != nil {
		host = *p.Host
	}
	addr, proto, err := a.ipArg(host, "host")
	if err != nil {
		return nil, err
	}
	backlog := 511
	if p.Backlog != nil {
		backlog = *p.Backlog
	}
	ep, wq, err := a.newEndpoint(proto)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("%s:%d", host, port)
	ep.SocketOptions().SetReuseAddress(true) // libuv sets SO_REUSEADDR on every listening socket
	if terr := ep.Bind(tcpip.FullAddress{Addr: addr, Port: uint16(port)}); terr != nil {
		ep.Close()
		return nil, listenError(terr, where)
	}
	if terr := ep.Listen(backlog); terr != nil {
		ep.Close()
		return nil, listenError(terr, where)
	}
	bound, _ := ep.GetLocalAddress()
	l := &listener{port: int(bound.Port), ep: ep, wq: wq}
	a.mu.Lock()
	a.listeners[l.port] = l
	a.mu.Unlock()
	go a.acceptLoop(l, p.KeepAliveMs)
	return map[string]any{"port": l.port, "host": host}, nil
}

func listenError(err tcpip.Error, where string) *failure {
	f := nodeError("listen", err, "")
	if f.code == "EADDRINUSE" {
		f.message = "listen EADDRINUSE: address already in use " + where
	}
	return f
}

// acceptLoop accepts every connection as soon as netstack has it (Node's server does the same).
func (a *agent) acceptLoop(l *listener, keepAliveMs *int) {
	entry, notify := waiter.NewChannelEntry(waiter.ReadableEvents | waiter.EventHUp | waiter.EventErr)
	l.wq.EventRegister(&entry)
	defer l.wq.EventUnregister(&entry)
	for {
		ep, wq, err := l.ep.Accept(nil)
		if _, ok := err.(*tcpip.ErrWouldBlock); ok {
			<-notify
			continue
		}
		if err != nil {
			a.mu.Lock()
			_, open := a.listeners[l.port]
			a.mu.Unlock()
			if open {
				f := nodeError("accept", err, "")
				var code any
				if f.code != "" {
					code = f.code
				}
				a.event(map[string]any{"event": "server-error", "port": l.port, "code": code, "message": f.message})
			}
			return
		}
		keepAlive(ep, keepAliveMs)
		c := a.track("accepted", ep, wq)
		c.mu.Lock()
		c.learnAddresses()
		a.event(map[string]any{"event": "accepted", "conn": c.id, "listenPort": l.port, "local": c.local, "remote": c.remote})
		c.mu.Unlock()
		go c.run()
	}
}

func (a *agent) unlisten(m args) (map[string]any, error) {
	var p struct {
		Port int `json:"port"`
	}
	if err := m.into(&p); err != nil {
		return nil, err
	}
	a.mu.Lock()
	l, ok := a.listeners[p.Port]
	delete(a.listeners, p.Port)
	ports := a.listeningPorts()
	a.mu.Unlock()
	if !ok {
		return nil, &failure{fmt.Sprintf("not listening on port %d (listening: %s)", p.Port, joinInts(ports)), ""}
	}
	l.ep.Close() // accepted connections stay open
	return map[string]any{}, nil
}

// +checklocks:a.mu
func (a *agent) listeningPorts() []int {
	ports := make([]int, 0, len(a.listeners))
	for p := range a.listeners {
		ports = append(ports, p)
	}
	sort.Ints(ports)
	return ports
}

func joinInts(ns []int) string {
	if len(ns) == 0 {
		return "none"
	}
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func (a *agent) connect(m args) (map[string]any, error) {
	var p struct {
		Host         string  `json:"host"`
		Port         *int    `json:"port"`
		LocalAddress *string `json:"localAddress"`
		LocalPort    *int    `json:"localPort"`
		KeepAliveMs  *int    `json:"keepAliveMs"`
	}
	if err := m.into(&p); err != nil {
		return nil, err
	}
	addr, proto, err := a.ipArg(p.Host, "host")
	if err != nil {
		return nil, err
	}
	port, err := portArg(p.Port, "port", false)
	if err != nil {
		return nil, err
	}
	var local tcpip.FullAddress
	if p.LocalPort != nil {
		lp, err := portArg(p.LocalPort, "localPort", true)
		if err != nil {
			return nil, err
		}
		local.Port = uint16(lp)
	}
	if p.LocalAddress != nil {
		if local.Addr, _, err = a.ipArg(*p.LocalAddress, "localAddress"); err != nil {
			return nil, err
		}
	}
	ep, wq, err := a.newEndpoint(proto)
	if err != nil {
		return nil, err
	}
	where := fmt.Sprintf("%s:%d", p.Host, port)
	if local.Port != 0 || local.Addr != "" {
		if terr := ep.Bind(local); terr != nil {
			ep.Close()
			return nil, nodeError("bind", terr, "")
		}
	}
	keepAlive(ep, p.KeepAliveMs)
	c := a.track("connected", ep, wq)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.connectTo = where
	c.connecting = true
	terr := ep.Connect(tcpip.FullAddress{Addr: addr, Port: uint16(port)})
	if _, started := terr.(*tcpip.ErrConnectStarted); terr != nil && !started {
		// Node reports a failed connect(2) as an event on the socket, not as a failed call.
		c.fail(nodeError("connect", terr, where))
	} else {
		go c.run()
	}
	var localPort any
	if l, err := ep.GetLocalAddress(); err == nil && l.Port != 0 {
		localPort = int(l.Port)
	}
	return map[string]any{"conn": c.id, "localPort": localPort}, nil
}

func (a *agent) connOf(m args) (*conn, error) {
	var p struct {
		Conn *json.RawMessage `json:"conn"`
	}
	raw, _ := json.Marshal(map[string]json.RawMessage{"conn": m["conn"]})
	_ = json.Unmarshal(raw, &p)
	var id int
	if p.Conn == nil || json.Unmarshal(*p.Conn, &id) != nil {
		got := "undefined"
		if p.Conn != nil {
			got = string(*p.Conn)
		}
		return nil, &failure{fmt.Sprintf("'conn' must be a connection id (number), got %s", got), ""}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.conns[id]
	if !ok {
		return nil, &failure{fmt.Sprintf("no connection %d (known: %s)", id, joinInts(a.order)), ""}
	}
	return c, nil
}

// openConn locks and returns a connection that is not closed yet.
func (a *agent) openConn(m args) (*conn, error) {
	c, err := a.connOf(m)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.destroyed {
		c.mu.Unlock()
		return nil, &failure{fmt.Sprintf("connection %d is already closed", c.id), ""}
	}
	return c, nil
}

var pattern = []byte("abcdefghijklmnopqrstuvwxyz")

func payloadOf(m args) ([]byte, error) {
	var p struct {
		Hex  *string `json:"hex"`
		Text *string `json:"text"`
		N    *int    `json:"n"`
	}
	raw, _ := json.Marshal(map[string]json.RawMessage{"hex": m["hex"], "text": m["text"], "n": m["n"]})
	var given []string
	for _, k := range []string{"hex", "text", "n"} {
		if m[k] != nil {
			given = append(given, k)
		}
	}
	if len(given) != 1 {
		g := strings.Join(given, ", ")
		if g == "" {
			g = "none"
		}
		return nil, &failure{fmt.Sprintf("send needs exactly one of hex, text, n (got %s)", g), ""}
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, &failure{"send: 'hex'/'text' must be strings and 'n' a non-negative integer", ""}
	}
	switch {
	case p.Hex != nil:
		b, err := hex.DecodeString(*p.Hex)
		if err != nil {
			return nil, &failure{"'hex' is not an even-length hex string", ""}
		}
		return b, nil
	case p.Text != nil:
		return []byte(*p.Text), nil
	case p.N != nil && *p.N >= 0:
		b := make([]byte, *p.N)
		for i := range b {
			b[i] = pattern[i%len(pattern)]
		}
		return b, nil
	}
	return nil, &failure{"send: 'hex'/'text' must be strings and 'n' a non-negative integer", ""}
}

func (a *agent) send(m args) (map[string]any, error) {
	c, err := a.openConn(m)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	data, err := payloadOf(m)
	if err != nil {
		return nil, err
	}
	if c.ending {
		// Node: write after end() fails on the socket, not the call.
		c.fail(&failure{"write after end", "ERR_STREAM_WRITE_AFTER_END"})
		return map[string]any{"written": len(data), "userQueued": 0}, nil
	}
	c.pending = append(c.pending, data...)
	c.flush()
	c.poke()
	return map[string]any{"written": len(data), "userQueued": len(c.pending)}, nil
}

func (a *agent) read(m args) (map[string]any, error) {
	c, err := a.connOf(m)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	data := c.unread
	c.unread = nil
	return map[string]any{"hex": hex.EncodeToString(data), "bytes": len(data), "total": c.total, "fin": c.fin, "closed": c.closed}, nil
}

func (a *agent) shutdown(m args) (map[string]any, error) {
	c, err := a.openConn(m)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	c.ending = true
	c.flush()
	c.poke()
	return map[string]any{}, nil
}

func (a *agent) close(m args) (map[string]any, error) {
	c, err := a.openConn(m)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	// As the Node agent: close(2) now when nothing is queued (netstack sends FIN, or RST when
	// received data is unread in its buffer); otherwise FIN after the queue drains, then close.
	if len(c.pending) == 0 && !c.connecting {
		c.destroy()
	} else if c.connecting {
		c.destroy() // close(2) in SYN-SENT: the TCB goes, nothing is sent
	} else {
		c.ending = true
		c.closeAfter = true
		c.flush()
	}
	c.poke()
	return map[string]any{}, nil
}

func (a *agent) abort(m args) (map[string]any, error) {
	c, err := a.openConn(m)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	if !c.connecting {
		// SO_LINGER {on, 0}: close(2) sends RST and drops queued data (RFC 9293 3.10.5 ABORT).
		c.ep.SocketOptions().SetLinger(tcpip.LingerOption{Enabled: true, Timeout: 0})
	}
	c.pending = nil
	c.destroy()
	c.poke()
	return map[string]any{}, nil
}

func (a *agent) pause(m args) (map[string]any, error) {
	c, err := a.openConn(m)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	c.paused = true
	return map[string]any{}, nil
}

func (a *agent) resume(m args) (map[string]any, error) {
	c, err := a.openConn(m)
	if err != nil {
		return nil, err
	}
	defer c.mu.Unlock()
	c.paused = false
	c.poke()
	return map[string]any{}, nil
}

func (a *agent) list(args) (map[string]any, error) {
	a.mu.Lock()
	ports := a.listeningPorts()
	cs := make([]*conn, 0, len(a.order))
	for _, id := range a.order {
		cs = append(cs, a.conns[id])
	}
	a.mu.Unlock()
	summaries := make([]map[string]any, 0, len(cs))
	for _, c := range cs {
		c.mu.Lock()
		summaries = append(summaries, map[string]any{
			"conn": c.id, "origin": c.origin, "local": c.local, "remote": c.remote,
			"received": c.total, "fin": c.fin, "closed": c.closed,
		})
		c.mu.Unlock()
	}
	return map[string]any{"listening": ports, "conns": summaries}, nil
}
