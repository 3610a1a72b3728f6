/** Parses a comma-separated annotation of port numbers; anything that is not a port is an error. */
export function parsePortList(value: string | undefined, annotation: string): number[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`annotation ${annotation}: ${JSON.stringify(part.trim())} is not a port number (1-65535)`);
    return n;
  });
}

/** Parses a comma-separated annotation of IPv4 CIDRs. */
export function parseCidrList(value: string | undefined, annotation: string): string[] {
  if (value === undefined || value.trim() === '') return [];
  return value.split(',').map((part) => {
    const c = part.trim();
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(c)) throw new Error(`annotation ${annotation}: ${JSON.stringify(c)} is not an IPv4 CIDR`);
    return c;
  });
}
