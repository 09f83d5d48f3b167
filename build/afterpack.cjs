// electron-builder afterPack hook: flips the Electron fuses of the packaged binary before it is signed.
// https://www.electronjs.org/docs/latest/tutorial/fuses — verify an artifact with `npx @electron/fuses read --app <path>`.
// CommonJS for electron-builder; @electron/fuses is ESM-only, hence the dynamic imports.
'use strict';

/** @param {typeof import('@electron/fuses')} fuses */
function fuseConfig({ FuseVersion, FuseV1Options }, platform, arch) {
  return {
    version: FuseVersion.V1,
    // Apple Silicon refuses an ad-hoc signature that no longer matches the binary.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.EnableCookieEncryption]: true,
    // The dashboard is served on app:// (electron/shell/app-protocol.ts); file:// pages get no extra rights.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** The Electron binary inside electron-builder's output folder. */
function electronBinary(context, join) {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${name}.app`);
    case 'win32':
      return join(appOutDir, `${name}.exe`);
    default:
      return join(appOutDir, packager.executableName);
  }
}

async function afterPack(context) {
  const [{ join }, fuses] = await Promise.all([import('node:path'), import('@electron/fuses')]);
  // electron-builder's Arch enum: 1 = x64, 3 = arm64.
  const arch = context.arch === 3 ? 'arm64' : 'x64';
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  await fuses.flipFuses(electronBinary(context, join), fuseConfig(fuses, platform, arch));
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseConfig = fuseConfig;
