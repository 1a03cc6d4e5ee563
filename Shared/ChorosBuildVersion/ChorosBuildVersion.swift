// `chorosBuildVersion`, every executable's `--version`, is generated into this module at each
// build by the BuildVersion plugin (Plugins/BuildVersion): the `git describe` of the sources.
