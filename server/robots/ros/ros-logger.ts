/** Where the ROS bridge reports what it drops or retries (the server passes its structured logger, robotLogger). */
export interface RosLogger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** The server's log sink as the control side sees it: a level, a line, and the robot it is about. */
export type RobotLogSink = (level: 'info' | 'warn' | 'error', msg: string, robotId: string) => void;

/** A robot's logger on the server's sink (each line carries the robot id as a field). */
export function robotLogger(sink: RobotLogSink, robotId: string): RosLogger {
  return {
    info: (m) => sink('info', m, robotId),
    warn: (m) => sink('warn', m, robotId),
    error: (m) => sink('error', m, robotId),
  };
}

/** For a bridge built outside a server (scripts, tests that pass none): the process's console. */
export const consoleRosLogger: RosLogger = {
  info: (m) => console.info(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};
