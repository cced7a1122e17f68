/** Addresses and networks (src/lib/networks.ts), as discovery.allowed_networks uses them. */
import { describe, expect, test } from "bun:test";
import {
  formatCidr,
  hostNetworks,
  inCidr,
  isIpLiteral,
  NetworkAllowList,
  parseCidr,
  parseIp,
} from "../../../src/lib/networks.ts";

describe("parsing", () => {
  test("IPv4, IPv6 (compressed, bracketed, zoned, with an IPv4 tail) and CIDR", () => {
    expect(formatCidr(parseCidr("10.0.0.0/8")!)).toBe("10.0.0.0/8");
    expect(formatCidr(parseCidr("fd00::/8")!)).toBe("fd00::/8");
    expect(formatCidr(parseCidr("2001:db8:0:0:1:0:0:1/64")!)).toBe("2001:db8::1:0:0:1/64");
    expect(parseCidr("192.168.1.5")!.prefix).toBe(32);
    expect(parseIp("[::1]")!.family).toBe(6);
    expect(parseIp("fe80::1%eth0")!.family).toBe(6);
    expect(parseIp("::ffff:10.1.2.3")!.bytes.slice(12)).toEqual(new Uint8Array([10, 1, 2, 3]));
    for (
      const bad of ["1.2.3", "1.2.3.256", "1::2::3", "10.0.0.0/33", "x", "::/129", "1.2.3.4/8/1"]
    ) {
      expect(parseCidr(bad)).toBeUndefined();
    }
    expect(isIpLiteral("127.0.0.1")).toBe(true);
    expect(isIpLiteral("localhost")).toBe(false);
  });

  test("membership, IPv4-mapped IPv6 included", () => {
    const net = parseCidr("192.168.1.0/24")!;
    expect(inCidr(parseIp("192.168.1.200")!, net)).toBe(true);
    expect(inCidr(parseIp("192.168.2.1")!, net)).toBe(false);
    expect(inCidr(parseIp("::ffff:192.168.1.9")!, net)).toBe(true);
    expect(inCidr(parseIp("172.31.255.255")!, parseCidr("172.16.0.0/12")!)).toBe(true);
    expect(inCidr(parseIp("172.32.0.1")!, parseCidr("172.16.0.0/12")!)).toBe(false);
  });
});

describe("the allow-list", () => {
  test("default from this host's interfaces: its private and loopback networks only", () => {
    const list = new NetworkAllowList(hostNetworks([
      { address: "192.168.1.10", cidr: "192.168.1.10/24" },
      { address: "203.0.113.5", cidr: "203.0.113.5/24" },
      { address: "169.254.7.7", cidr: "169.254.7.7/16" },
      { address: "fd12:3456::1", cidr: "fd12:3456::1/64" },
    ]));
    expect(list.allows("192.168.1.77")).toBe(true);
    expect(list.allows("192.168.2.77")).toBe(false);
    expect(list.allows("127.0.0.1")).toBe(true);
    expect(list.allows("::1")).toBe(true);
    expect(list.allows("203.0.113.9")).toBe(false);
    expect(list.allows("fd12:3456::99")).toBe(true);
    expect(list.allows("169.254.7.8")).toBe(false);
  });

  test("link-local is never allowed, even when listed", () => {
    const list = new NetworkAllowList([parseCidr("0.0.0.0/0")!, parseCidr("::/0")!]);
    expect(list.allows("169.254.169.254")).toBe(false);
    expect(list.allows("fe80::1")).toBe(false);
    expect(list.allows("8.8.8.8")).toBe(true);
    expect(list.allows("not an address")).toBe(false);
  });
});
