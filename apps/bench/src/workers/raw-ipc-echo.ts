/** Floor of the process medium: a child that sends every IPC message straight back. */
process.on('message', (m) => process.send?.(m));
// The parent ends the child by closing the channel.
process.on('disconnect', () => process.exit(0));
