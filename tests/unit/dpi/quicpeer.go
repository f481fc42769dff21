// SPDX-License-Identifier: BSD-3-Clause
// quicpeer.go - A QUIC client and server (quic-go) for make-fixtures.sh: produces a real QUIC Initial with a chosen SNI.

package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"time"

	quic "github.com/lucas-clemente/quic-go"
)

func main() {
	if len(os.Args) >= 5 && os.Args[1] == "server" {
		cert, err := tls.LoadX509KeyPair(os.Args[3], os.Args[4])
		if err != nil {
			fmt.Fprintln(os.Stderr, "cert:", err)
			os.Exit(1)
		}
		ln, err := quic.ListenAddr(os.Args[2], &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h3"}}, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "listen:", err)
			os.Exit(1)
		}
		fmt.Println("listening")
		for {
			c, err := ln.Accept(context.Background())
			if err != nil {
				return
			}
			go func() { time.Sleep(200 * time.Millisecond); c.CloseWithError(0, "") }()
		}
	}
	if len(os.Args) >= 4 && os.Args[1] == "client" {
		conf := &tls.Config{ServerName: os.Args[3], InsecureSkipVerify: true, NextProtos: []string{"h3"}}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		c, err := quic.DialAddrContext(ctx, os.Args[2], conf, &quic.Config{HandshakeIdleTimeout: 3 * time.Second})
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			os.Exit(1)
		}
		fmt.Println("handshake done")
		c.CloseWithError(0, "")
		return
	}
	fmt.Fprintln(os.Stderr, "usage: quicpeer server ADDR CERT KEY | client ADDR SNI")
	os.Exit(2)
}
