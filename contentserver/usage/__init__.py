"""What students read and look for, counted in aggregate (issue 23): no address, device or person is ever stored."""
