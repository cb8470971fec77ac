package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/coreos/go-systemd/v22/activation"
	"github.com/mdlayher/vsock"
	"github.com/prometheus/exporter-toolkit/web"
)

// listen opens the listeners of the web flags before anything else
// starts, as exporter-toolkit would (systemd socket activation, vsock://
// addresses, TCP), so that an address in use or impossible fails the
// start at once, naming the flag and the address, instead of after the
// fetcher has run. Each listener accepts at most maxConns connections at
// once (0: no bound); more wait in the kernel's queue.
func listen(fc *web.FlagConfig, maxConns int) ([]net.Listener, error) {
	var listeners []net.Listener
	if fc.WebSystemdSocket != nil && *fc.WebSystemdSocket {
		ls, err := activation.Listeners()
		if err != nil {
			return nil, fmt.Errorf("--web.systemd-socket: %w", err)
		}
		if len(ls) == 0 {
			return nil, errors.New("--web.systemd-socket: no socket activation file descriptors found")
		}
		listeners = ls
	} else {
		if len(*fc.WebListenAddresses) == 0 {
			return nil, errors.New("--web.listen-address: no address to listen on")
		}
		for _, addr := range *fc.WebListenAddresses {
			l, err := listenOn(addr)
			if err != nil {
				closeAll(listeners)
				return nil, fmt.Errorf("--web.listen-address %s: %w", addr, err)
			}
			listeners = append(listeners, l)
		}
	}
	if maxConns > 0 {
		for i, l := range listeners {
			listeners[i] = limitListener(l, maxConns)
		}
	}
	return listeners, nil
}

func listenOn(addr string) (net.Listener, error) {
	if !strings.HasPrefix(addr, "vsock://") {
		return net.Listen("tcp", addr)
	}
	u, err := url.Parse(addr)
	if err != nil {
		return nil, err
	}
	_, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return nil, err
	}
	p, err := strconv.ParseUint(port, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("invalid vsock port %q", port)
	}
	return vsock.Listen(uint32(p), nil)
}

func closeAll(ls []net.Listener) {
	for _, l := range ls {
		_ = l.Close()
	}
}

// limitListener accepts at most n connections at once: a connection
// counts until it is closed.
func limitListener(l net.Listener, n int) net.Listener {
	return &limited{Listener: l, slots: make(chan struct{}, n), done: make(chan struct{})}
}

type limited struct {
	net.Listener
	slots chan struct{}
	once  sync.Once
	done  chan struct{}
}

func (l *limited) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: func() { <-l.slots }}, nil
}

func (l *limited) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
