CREATE TABLE `auth_event` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`type` text NOT NULL,
	`count` integer DEFAULT 1 NOT NULL,
	`session_id` text,
	`ip_address` text,
	`user_agent` text,
	`device` text,
	`country` text,
	`city` text,
	`detail` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsecond') * 1000 as integer)) NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `auth_event_user_created_idx` ON `auth_event` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `auth_event_created_at_idx` ON `auth_event` (`created_at`);--> statement-breakpoint
ALTER TABLE `session` ADD `country` text;--> statement-breakpoint
ALTER TABLE `session` ADD `region` text;--> statement-breakpoint
ALTER TABLE `session` ADD `city` text;--> statement-breakpoint
ALTER TABLE `session` ADD `colo` text;--> statement-breakpoint
ALTER TABLE `session` ADD `timezone` text;--> statement-breakpoint
ALTER TABLE `session` ADD `asn` integer;--> statement-breakpoint
ALTER TABLE `session` ADD `as_organization` text;--> statement-breakpoint
ALTER TABLE `session` ADD `device` text;