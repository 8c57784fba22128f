package main

// One connection of the agent, mirroring what the Node agent's net.Socket does with the same
// commands: it reads eagerly into its own buffer (so netstack's receive queue stays empty unless
// paused), queues what netstack's send buffer cannot take yet, shuts down or closes after the
// queue drains, and ends like a Node socket with allowHalfOpen (the 'close' event once both
// directions are done, or on an error, or when the harness closes it).

import (
	"bytes"
	"sync"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/waiter"
)

type conn struct {
	id     int
	origin string
	a      *agent
	ep     tcpip.Endpoint
	wq     *waiter.Queue
	// kick wakes the connection's goroutine after a command changed something.
	kick chan struct{}

	mu         sync.Mutex
	local      *endpointJSON
	remote     *endpointJSON
	connectTo  string // "address:port" of an active open, for error messages
	connecting bool
	unread     []byte
	total      int
	fin        bool
	paused     bool
	pending    []byte // bytes netstack has not taken yet (Node: writableLength)
	ending     bool   // shutdown asked: FIN once pending is empty
	writeShut  bool
	closeAfter bool // close asked while bytes were still pending
	destroyed  bool // the endpoint is closed (Node: socket.destroyed)
	closed     bool // the 'close' event went out
}

func newConn(a *agent, id int, origin string, ep tcpip.Endpoint, wq *waiter.Queue) *conn {
	return &conn{id: id, origin: origin, a: a, ep: ep, wq: wq, kick: make(chan struct{}, 1)}
}

// run drives the connection until it is closed: every netstack event and every kick re-checks it.
func (c *conn) run() {
	entry, notify := waiter.NewChannelEntry(waiter.ReadableEvents | waiter.WritableEvents | waiter.EventHUp | waiter.EventErr)
	c.wq.EventRegister(&entry)
	defer c.wq.EventUnregister(&entry)
	for {
		c.mu.Lock()
		done := c.step()
		c.mu.Unlock()
		if done {
			return
		}
		select {
		case <-notify:
		case <-c.kick:
		}
	}
}

func (c *conn) poke() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// step does whatever can be done now; true once the connection is finished.
// +checklocks:c.mu
func (c *conn) step() bool {
	if c.destroyed {
		return true
	}
	if c.connecting {
		if c.ep.Readiness(waiter.WritableEvents|waiter.EventErr|waiter.EventHUp) == 0 {
			return false
		}
		if err := c.ep.LastError(); err != nil {
			c.fail(nodeError("connect", err, c.connectTo))
			return true
		}
		c.connecting = false
		c.learnAddresses()
		c.a.event(map[string]any{"event": "connected", "conn": c.id, "local": c.local, "remote": c.remote})
	}
	if !c.flush() {
		return true
	}
	if c.destroyed {
		return true
	}
	if !c.paused && !c.fin {
		for {
			var buf bytes.Buffer
			_, err := c.ep.Read(&buf, tcpip.ReadOptions{})
			if _, ok := err.(*tcpip.ErrWouldBlock); ok {
				break
			}
			if _, ok := err.(*tcpip.ErrClosedForReceive); ok {
				c.fin = true
				c.a.event(map[string]any{"event": "end", "conn": c.id})
				break
			}
			if err != nil {
				c.fail(nodeError("read", err, ""))
				return true
			}
			if buf.Len() == 0 {
				break
			}
			c.unread = append(c.unread, buf.Bytes()...)
			c.total += buf.Len()
			c.a.event(map[string]any{"event": "data", "conn": c.id, "bytes": buf.Len(), "total": c.total})
		}
	}
	// Both directions done: a Node socket with allowHalfOpen destroys itself now.
	if c.fin && c.writeShut && len(c.pending) == 0 {
		c.destroy()
		return true
	}
	return false
}

// flush hands pending bytes to netstack, then does an asked-for shutdown or close once they are
// all taken; false after a write error (the connection is finished).
// +checklocks:c.mu
func (c *conn) flush() bool {
	if c.connecting || c.destroyed {
		return true
	}
	for len(c.pending) > 0 {
		n, err := c.ep.Write(bytes.NewReader(c.pending), tcpip.WriteOptions{})
		if _, ok := err.(*tcpip.ErrWouldBlock); ok {
			return true
		}
		if err != nil {
			c.fail(nodeError("write", err, ""))
			return false
		}
		c.pending = c.pending[n:]
	}
	if c.ending && !c.writeShut {
		c.writeShut = true
		if err := c.ep.Shutdown(tcpip.ShutdownWrite); err != nil {
			c.fail(nodeError("shutdown", err, ""))
			return false
		}
	}
	if c.closeAfter {
		c.destroy()
	}
	return true
}

// learnAddresses keeps the addresses once known (Node caches them the same way).
// +checklocks:c.mu
func (c *conn) learnAddresses() {
	if l, err := c.ep.GetLocalAddress(); err == nil {
		c.local = fullAddress(l)
	}
	if r, err := c.ep.GetRemoteAddress(); err == nil {
		c.remote = fullAddress(r)
	}
}

// destroy closes the endpoint as close(2) would, and says so with a 'close' event.
// +checklocks:c.mu
func (c *conn) destroy() {
	if c.destroyed {
		return
	}
	c.destroyed = true
	c.ep.Close()
	c.emitClose(false)
}

// fail reports an error as Node does ('error', then 'close' with hadError) and closes the endpoint.
// +checklocks:c.mu
func (c *conn) fail(f *failure) {
	var code any
	if f.code != "" {
		code = f.code
	}
	c.a.event(map[string]any{"event": "error", "conn": c.id, "code": code, "message": f.message})
	c.destroyed = true
	c.ep.Close()
	c.emitClose(true)
}

// +checklocks:c.mu
func (c *conn) emitClose(hadError bool) {
	if c.closed {
		return
	}
	c.closed = true
	c.a.event(map[string]any{"event": "close", "conn": c.id, "hadError": hadError})
}
