package main

import (
	"fmt"

	"gvisor.dev/gvisor/pkg/tcpip"
)

// failure is a command error the harness sees verbatim: {ok:false, error, code}.
type failure struct {
	message string
	code    string
}

func (f *failure) Error() string { return f.message }

// errnoName gives the errno a Linux socket would report for a netstack error, the code Node's
// agent puts in its events (ECONNRESET, ECONNREFUSED, …); "" when there is none.
func errnoName(err tcpip.Error) string {
	switch err.(type) {
	case *tcpip.ErrConnectionReset:
		return "ECONNRESET"
	case *tcpip.ErrConnectionRefused:
		return "ECONNREFUSED"
	case *tcpip.ErrConnectionAborted:
		return "ECONNABORTED"
	case *tcpip.ErrTimeout:
		return "ETIMEDOUT"
	case *tcpip.ErrClosedForSend:
		return "EPIPE"
	case *tcpip.ErrNotConnected:
		return "ENOTCONN"
	case *tcpip.ErrPortInUse, *tcpip.ErrDuplicateAddress:
		return "EADDRINUSE"
	case *tcpip.ErrBadLocalAddress:
		return "EADDRNOTAVAIL"
	case *tcpip.ErrHostUnreachable:
		return "EHOSTUNREACH"
	case *tcpip.ErrNetworkUnreachable:
		return "ENETUNREACH"
	case *tcpip.ErrInvalidEndpointState, *tcpip.ErrInvalidOptionValue:
		return "EINVAL"
	case *tcpip.ErrAlreadyConnected:
		return "EISCONN"
	case *tcpip.ErrAlreadyConnecting:
		return "EALREADY"
	case *tcpip.ErrNoBufferSpace:
		return "ENOBUFS"
	case *tcpip.ErrNoSuchFile:
		return "ENOENT"
	case *tcpip.ErrUnknownProtocolOption:
		return "ENOPROTOOPT"
	}
	return ""
}

// nodeError is the text Node's net module would give: "<syscall> <CODE> [address:port]".
func nodeError(syscall string, err tcpip.Error, where string) *failure {
	code := errnoName(err)
	if code == "" {
		return &failure{fmt.Sprintf("%s %s", syscall, err), ""}
	}
	msg := syscall + " " + code
	if where != "" {
		msg += " " + where
	}
	return &failure{msg, code}
}
