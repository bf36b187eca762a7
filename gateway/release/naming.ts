/** CPU architectures a release is built for (Node's `process.arch` names). */
export const releaseArchs = ['arm64', 'x64'];

/** `citygw-<version>-linux-<arch>`: the bundle file's base name and its top folder. */
export function bundleName(version: string, arch: string): string {
  return `citygw-${version}-linux-${arch}`;
}
