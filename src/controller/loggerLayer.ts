import { Layer, Logger, LogLevel, Option } from "effect"
import type { ControllerFlags } from "./Flags.ts"

/** `--log-format` and `--log-level`: JSON lines (default) or logfmt, at the given minimum level. */
export const loggerLayer = (flags: Pick<ControllerFlags, "logFormat" | "logLevel">) =>
  Layer.merge(
    flags.logFormat === "json" ? Logger.json : Logger.logFmt,
    Option.match(flags.logLevel, {
      // Keep what the CLI's built-in --log-level set (or the default, info).
      onNone: () => Layer.empty,
      onSome: (level) =>
        Logger.minimumLogLevel(
          {
            debug: LogLevel.Debug,
            info: LogLevel.Info,
            warn: LogLevel.Warning,
            error: LogLevel.Error,
          }[level],
        ),
    }),
  )
